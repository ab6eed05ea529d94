import CPNG
import Foundation
import ImageCore

/// PNG through libpng's simplified `png_image` API (no setjmp on our side).
///
/// Pixel values are the numbers stored in the file divided by 255 (8-bit) or 65535 (16-bit):
/// colour-management chunks (gAMA, sRGB, iCCP, cHRM) are removed from the byte stream before
/// decoding, so libpng never converts between gamma encodings — what scikit-image or Pillow read
/// is what we read. Palette images become RGB. Alpha, when not fully opaque, is composited over
/// black (colour × alpha); a fully opaque alpha channel is simply dropped.
enum PNGCodec {
    static func message(_ image: png_image) -> String {
        var m = image.message
        return withUnsafeBytes(of: &m) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Header fields from the IHDR chunk, read without libpng (so even a hostile size is seen first).
    static func header(_ data: Data, name: String) throws -> ImageHeader {
        let bytes = [UInt8](data.prefix(33))
        guard bytes.count >= 33, bytes[12 ..< 16].elementsEqual(Array("IHDR".utf8)) else {
            throw ImageIOError.corrupt(path: name, format: .png, detail: "no IHDR header chunk")
        }
        func be32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        let width = be32(16), height = be32(20), depth = Int(bytes[24]), colourType = Int(bytes[25])
        guard width > 0, height > 0, [1, 2, 4, 8, 16].contains(depth), [0, 2, 3, 4, 6].contains(colourType) else {
            throw ImageIOError.corrupt(path: name, format: .png,
                                       detail: "invalid header (\(width)×\(height), depth \(depth), colour type \(colourType))")
        }
        let colour = colourType == 2 || colourType == 3 || colourType == 6
        let alpha = colourType == 4 || colourType == 6 || chunkTypes(data).contains("tRNS")
        return ImageHeader(format: .png, width: width, height: height, channels: colour ? 3 : 1,
                           bitDepth: depth == 16 ? 16 : 8, hasAlpha: alpha)
    }

    /// The chunk types in order (stops quietly at the first malformed chunk).
    static func chunkTypes(_ data: Data) -> [String] {
        var types: [String] = []
        walkChunks(data) { type, _ in types.append(type) }
        return types
    }

    /// Calls `body(type, byteRange)` for each complete chunk after the signature.
    static func walkChunks(_ data: Data, _ body: (String, Range<Int>) -> Void) {
        let base = data.startIndex
        var offset = 8
        while offset + 12 <= data.count {
            let b = { (i: Int) in Int(data[base + offset + i]) }
            let length = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3)
            let end = offset + 12 + length
            guard length >= 0, end <= data.count else { return }
            let type = String(decoding: data[(base + offset + 4) ..< (base + offset + 8)], as: UTF8.self)
            body(type, offset ..< end)
            offset = end
        }
    }

    /// `data` without colour-management chunks, so libpng decodes stored values unchanged.
    static func withoutColourManagement(_ data: Data) -> Data {
        let drop: Set<String> = ["gAMA", "sRGB", "iCCP", "cHRM"]
        var kept = Data(data.prefix(8))
        var removed = false
        var consumed = 8
        walkChunks(data) { type, range in
            consumed = range.upperBound
            if drop.contains(type) { removed = true } else { kept.append(data[(data.startIndex + range.lowerBound) ..< (data.startIndex + range.upperBound)]) }
        }
        guard removed else { return data }
        kept.append(data.suffix(from: data.startIndex + consumed))   // keep any trailing bytes as they were
        return kept
    }

    static func decode(_ data: Data, name: String, maxPixels: Int) throws -> Image {
        let head = try header(data, name: name)
        guard head.width * head.height <= maxPixels else {
            throw ImageIOError.tooManyPixels(path: name, width: head.width, height: head.height, limit: maxPixels)
        }
        let clean = withoutColourManagement(data)
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        return try clean.withUnsafeBytes { raw -> Image in
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                throw ImageIOError.corrupt(path: name, format: .png, detail: message(image))
            }
            let colour = image.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
            let alpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
            let sixteen = head.bitDepth == 16
            var format: UInt32 = (colour ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0) | (alpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
            if sixteen { format |= UInt32(PNG_FORMAT_FLAG_LINEAR) }
            image.format = format
            let w = Int(image.width), h = Int(image.height)
            let stored = (colour ? 3 : 1) + (alpha ? 1 : 0)
            let channels = colour ? 3 : 1
            var out = Image(channels: channels, height: h, width: w)
            if sixteen {
                var buffer = [UInt16](repeating: 0, count: w * h * stored)
                let ok = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
                guard ok != 0 else { throw ImageIOError.corrupt(path: name, format: .png, detail: message(image)) }
                // libpng's linear formats premultiply alpha, i.e. composite over black already.
                deinterleave(buffer, into: &out, stored: stored, maxValue: 65535, alphaMultiply: false)
            } else {
                var buffer = [UInt8](repeating: 0, count: w * h * stored)
                let ok = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
                guard ok != 0 else { throw ImageIOError.corrupt(path: name, format: .png, detail: message(image)) }
                deinterleave(buffer, into: &out, stored: stored, maxValue: 255, alphaMultiply: alpha)
            }
            return out
        }
    }

    /// Interleaved samples → planar floats. With `alphaMultiply`, the last stored sample is alpha
    /// and colour is multiplied by it (skipped when the alpha channel is fully opaque).
    /// Values are `sample / maxValue` (a true division, so 8-bit `k` reads as exactly `Float(k) / 255`).
    static func deinterleave<T: BinaryInteger>(_ buffer: [T], into out: inout Image, stored: Int,
                                               maxValue: Float, alphaMultiply: Bool) {
        let n = out.planeSize, channels = out.channels
        var premultiply = false
        if alphaMultiply {
            let opaque = T(255)
            premultiply = stride(from: stored - 1, to: buffer.count, by: stored).contains { buffer[$0] != opaque }
        }
        buffer.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for i in 0 ..< n {
                    let a: Float = premultiply ? Float(src[i &* stored &+ stored &- 1]) / maxValue : 1
                    for c in 0 ..< channels {
                        let v = Float(src[i &* stored &+ c]) / maxValue
                        dst[c &* n &+ i] = premultiply ? v * a : v
                    }
                }
            }
        }
    }

    /// Encodes gray or RGB values in [0, 1] as an 8- or 16-bit PNG (round to nearest).
    static func encode(_ img: Image, bitDepth: Int, name: String) throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(img.width)
        image.height = UInt32(img.height)
        image.format = (img.channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0) | (bitDepth == 16 ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
        defer { png_image_free(&image) }
        func write(_ buffer: UnsafeRawPointer) throws -> Data {
            var size = 0
            guard png_image_write_to_memory(&image, nil, &size, 0, buffer, 0, nil) != 0 else {
                throw ImageIOError.encodeFailed(path: name, detail: message(image))
            }
            var out = Data(count: size)
            let ok = out.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, buffer, 0, nil) }
            guard ok != 0 else { throw ImageIOError.encodeFailed(path: name, detail: message(image)) }
            return out.prefix(size)
        }
        if bitDepth == 16 {
            let samples: [UInt16] = interleave(img, maxValue: 65535)
            return try samples.withUnsafeBytes { try write($0.baseAddress!) }
        } else {
            let samples: [UInt8] = interleave(img, maxValue: 255)
            return try samples.withUnsafeBytes { try write($0.baseAddress!) }
        }
    }
}

/// Planar floats in [0, 1] → interleaved integers, rounding to nearest. Callers have checked the range.
func interleave<T: FixedWidthInteger>(_ img: Image, maxValue: Float) -> [T] {
    let n = img.planeSize, channels = img.channels
    var out = [T](repeating: 0, count: n * channels)
    img.pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0 ..< n {
                for c in 0 ..< channels {
                    dst[i &* channels &+ c] = T((src[c &* n &+ i] * maxValue).rounded())
                }
            }
        }
    }
    return out
}
