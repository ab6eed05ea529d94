// PNG through libpng's simplified `png_image` API (libpng ≥ 1.6), which reports errors in
// `png_image.message` instead of longjmp, so no setjmp is needed from Swift.
import CPNG
import Foundation
import ImageCore

/// What a walk over a PNG's chunk structure found (our own parser, run before libpng).
struct PNGStructure {
    var header: ImageHeader
    /// The `IHDR` bit depth as stored (1, 2, 4, 8 or 16).
    var storedBitDepth: Int
    /// The `IHDR` colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA).
    var colorType: Int
    /// The colour-space chunks present (`gAMA`, `sRGB`, `cHRM`, `iCCP`), which `decodePNG` removes.
    var colourTags: Set<String>
}

/// Chunks through which libpng's simplified reader would convert sample values (gamma handling).
let pngColourTagChunks: Set<String> = ["gAMA", "sRGB", "cHRM", "iCCP"]

/// Walks the PNG chunk list: checks the signature, that `IHDR` comes first with length 13, a valid CRC and
/// legal fields, notes a `tRNS` chunk, and — unless `stopAtImageData` — that every chunk fits inside the
/// data and `IEND` is present (otherwise the file is truncated). Allocates nothing per pixel.
/// - Throws: `ImageIOError.truncated` or `.corrupt` naming `name`.
func parsePNGStructure(_ data: Data, name: String, stopAtImageData: Bool) throws -> PNGStructure {
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> PNGStructure in
        let bytes = raw.bindMemory(to: UInt8.self)
        let n = bytes.count
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        }
        func chunkType(_ at: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[at ..< at + 4]), as: UTF8.self)
        }
        // Signature (8) + IHDR length (4) + type (4) + 13 data bytes + CRC (4) = 33 bytes.
        if n < 33 {
            throw ImageIOError.truncated(name: name, detail: "only \(n) bytes; a PNG header alone needs 33")
        }
        guard u32(8) == 13, chunkType(12) == "IHDR" else {
            throw ImageIOError.corrupt(name: name, detail: "the first chunk is not a 13-byte IHDR header")
        }
        let crc = pngCRC32(UnsafeBufferPointer(rebasing: bytes[12 ..< 29]))
        guard crc == u32(29) else {
            throw ImageIOError.corrupt(name: name, detail: "the IHDR header's checksum is wrong")
        }
        let width = Int(u32(16)), height = Int(u32(20))
        let bitDepth = Int(bytes[24]), colorType = Int(bytes[25])
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw ImageIOError.corrupt(name: name, detail: "IHDR declares an invalid size \(width)×\(height)")
        }
        let legalDepths: [Int: Set<Int>] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = legalDepths[colorType], depths.contains(bitDepth) else {
            throw ImageIOError.corrupt(name: name,
                                       detail: "IHDR declares colour type \(colorType) with bit depth \(bitDepth)")
        }
        var hasTRNS = false
        var colourTags = Set<String>()
        var offset = 33
        var sawEnd = false
        while offset < n {
            guard offset + 8 <= n else { break }
            let length = Int(u32(offset))
            guard length <= Int(Int32.max) else {
                throw ImageIOError.corrupt(name: name, detail: "a chunk at byte \(offset) declares length \(length)")
            }
            let type = chunkType(offset + 4)
            if stopAtImageData && type == "IDAT" { sawEnd = true; break }
            guard offset + 12 + length <= n else { break }
            if type == "tRNS" { hasTRNS = true }
            if pngColourTagChunks.contains(type) { colourTags.insert(type) }
            if type == "IEND" { sawEnd = true; break }
            offset += 12 + length
        }
        if !sawEnd {
            throw ImageIOError.truncated(
                name: name, detail: "the data stops at byte \(n) inside the chunk list, before the IEND marker")
        }
        let header = ImageHeader(format: .png, width: width, height: height,
                                 channels: (colorType & 2) != 0 ? 3 : 1,
                                 bitDepth: bitDepth == 16 ? 16 : 8,
                                 hasAlpha: (colorType & 4) != 0 || hasTRNS)
        return PNGStructure(header: header, storedBitDepth: bitDepth, colorType: colorType, colourTags: colourTags)
    }
}

/// Decodes PNG bytes into a planar `Image` (see `decodeImage` for the value and alpha conventions).
///
/// Stored sample values are returned unchanged, whatever colour tags the file carries — as Pillow and
/// scikit-image read PNGs. libpng's simplified reader would otherwise convert through gamma: its 16-bit
/// formats are linear light, so a 16-bit file tagged sRGB (or `gAMA` 0.45) would come back linearised, and
/// an 8-bit file tagged `gAMA` 1.0 re-encoded to sRGB. The colour-space chunks (`gAMA`, `sRGB`, `cHRM`,
/// `iCCP`) are therefore dropped from a copy of the stream before libpng sees it; 16-bit files are then read
/// through the linear 16-bit format and 8-bit (and smaller) files through the 8-bit format, both without
/// conversion.
func decodePNG(_ data: Data, name: String, maxPixels: Int) throws -> Image {
    let structure = try parsePNGStructure(data, name: name, stopAtImageData: false)
    let header = structure.header
    try checkPixelLimit(width: header.width, height: header.height, maxPixels: maxPixels, name: name)
    let data = structure.colourTags.isEmpty ? data : removingPNGChunks(pngColourTagChunks, from: data)

    // libpng keeps reading from `raw` until png_image_finish_read, so the whole decode stays inside
    // one withUnsafeBytes scope.
    return try data.withUnsafeBytes { raw in
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
            throw pngFailure(&image, name: name)
        }
        defer { png_image_free(&image) }

        let sixteen = (image.format & UInt32(PNG_FORMAT_FLAG_LINEAR)) != 0
        let colour = (image.format & UInt32(PNG_FORMAT_FLAG_COLOR)) != 0
        let alpha = (image.format & UInt32(PNG_FORMAT_FLAG_ALPHA)) != 0
        image.format = (colour ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0) | (alpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
            | (sixteen ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
        let width = Int(image.width), height = Int(image.height)
        // libpng's own view of the size must agree with the header we checked against the limit.
        guard width == header.width, height == header.height else {
            throw ImageIOError.corrupt(name: name, detail: "libpng read a different size than the IHDR header")
        }
        let outChannels = colour ? 3 : 1
        let samples = outChannels + (alpha ? 1 : 0)
        let count = width * height * samples

        if sixteen {
            // Linear 16-bit output with alpha is premultiplied by libpng: already composited over black.
            var buffer = [UInt16](repeating: 0, count: count)
            let ok = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard ok != 0 else { throw pngFailure(&image, name: name, truncatedHint: true) }
            return buffer.withUnsafeBufferPointer {
                planarImage(from16: $0, width: width, height: height, channels: outChannels, samplesPerPixel: samples)
            }
        } else {
            var buffer = [UInt8](repeating: 0, count: count)
            let ok = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard ok != 0 else { throw pngFailure(&image, name: name, truncatedHint: true) }
            return buffer.withUnsafeBufferPointer {
                planarImage(from8: $0, width: width, height: height, channels: outChannels, alpha: alpha)
            }
        }
    }
}

/// Encodes an already validated image as 8- or 16-bit PNG (gray or RGB, no alpha) in memory.
///
/// 8-bit files are tagged `sRGB` by libpng. 16-bit data has to go through libpng's *linear* format, which
/// tags the file `gAMA` 1.0 + `cHRM`, wrongly claiming linear light for what are ordinary (sRGB-encoded)
/// image values; those two chunks are removed, leaving an untagged file whose stored samples are exactly
/// `round(v · 65535)` — what other tools (Pillow, scikit-image, browsers) and `decodePNG` read back.
func encodePNG(_ img: Image, bitDepth: Int, name: String) throws -> Data {
    // Upper bound on the encoded size, following libpng's PNG_IMAGE_PNG_SIZE_MAX macro (not importable).
    let rowBytes = img.width * img.channels * (bitDepth / 8)
    let raw = img.height * (rowBytes + 1)
    let zlibMax = raw + (raw + 7) / 8 + (raw + 63) / 64 + 11
    var capacity = 8 + 25 + 16 + 44 + 12 + 12 + 12 * (zlibMax / 8192 + 1) + zlibMax + 1024

    func attempt(_ samples: UnsafeRawPointer) throws -> Data {
        while true {
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            image.width = UInt32(img.width)
            image.height = UInt32(img.height)
            image.format = (img.channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0)
                | (bitDepth == 16 ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
            var out = Data(count: capacity)
            var size = capacity
            let ok = out.withUnsafeMutableBytes {
                png_image_write_to_memory(&image, $0.baseAddress, &size, 0, samples, 0, nil)
            }
            let message = pngMessage(&image)
            png_image_free(&image)
            if ok != 0 { out.count = size; return out }
            // On a too-small buffer libpng reports the size it needs; retry with that.
            guard size > capacity else {
                throw ImageIOError.encodingFailed(name: name, detail: "libpng: \(message)")
            }
            capacity = size
        }
    }
    if bitDepth == 16 {
        let samples = interleaved16(img)
        let tagged = try samples.withUnsafeBytes { try attempt($0.baseAddress!) }
        return removingPNGChunks(["gAMA", "cHRM"], from: tagged)
    } else {
        let samples = interleaved8(img)
        return try samples.withUnsafeBytes { try attempt($0.baseAddress!) }
    }
}

/// The PNG stream without chunks of the given types (a byte-level copy of every other chunk).
/// `data` must be a well-formed PNG, as produced by libpng.
func removingPNGChunks(_ types: Set<String>, from data: Data) -> Data {
    let bytes = [UInt8](data)
    var out = Data(bytes[0 ..< 8])
    out.reserveCapacity(bytes.count)
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
            | Int(bytes[offset + 3])
        let end = min(offset + 12 + length, bytes.count)
        let type = String(decoding: bytes[offset + 4 ..< offset + 8], as: UTF8.self)
        if !types.contains(type) { out.append(contentsOf: bytes[offset ..< end]) }
        offset = end
    }
    return out
}

/// The text of `png_image.message` (a fixed 64-byte C buffer).
func pngMessage(_ image: inout png_image) -> String {
    withUnsafeBytes(of: &image.message) { raw in
        let bytes = raw.bindMemory(to: UInt8.self)
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[0 ..< end]), as: UTF8.self)
    }
}

/// Maps a libpng failure to a named error, keeping libpng's message.
private func pngFailure(_ image: inout png_image, name: String, truncatedHint: Bool = false) -> ImageIOError {
    let message = pngMessage(&image)
    let lower = message.lowercased()
    if truncatedHint && (lower.contains("end of") || lower.contains("truncat") || lower.contains("not enough")) {
        return .truncated(name: name, detail: "libpng: \(message)")
    }
    return .corrupt(name: name, detail: "libpng: \(message.isEmpty ? "unknown error" : message)")
}

/// CRC-32 as used by PNG chunks (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320), table-driven.
func pngCRC32(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc = crcTable[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8)
    }
    return crc ^ 0xFFFF_FFFF
}

private let crcTable: [UInt32] = (0 ..< 256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0 ..< 8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}
