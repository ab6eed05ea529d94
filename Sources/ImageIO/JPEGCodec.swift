// JPEG through TurboJPEG's (libjpeg-turbo) classic `tj*` API. One handle per call, so calls are
// safe from any thread; `tjhandle` imports into Swift as `UnsafeMutableRawPointer`.
import CTurboJPEG
import Foundation
import ImageCore

/// A JPEG's declared geometry, read by `tjDecompressHeader3`.
struct JPEGHeaderInfo {
    var header: ImageHeader
    var colorspace: Int32
}

/// Reads the JPEG frame header (size, colour space) without decoding pixels.
/// - Throws: `.truncated` / `.corrupt` (TurboJPEG's message), `.unsupportedContent` for CMYK/YCCK.
func readJPEGHeader(_ data: Data, name: String) throws -> JPEGHeaderInfo {
    guard let handle = tjInitDecompress() else {
        throw ImageIOError.corrupt(name: name, detail: "TurboJPEG could not start: \(tjMessage(nil))")
    }
    defer { tjDestroy(handle) }
    return try readJPEGHeader(data, name: name, handle: handle)
}

private func readJPEGHeader(_ data: Data, name: String, handle: tjhandle) throws -> JPEGHeaderInfo {
    var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
    let status = data.withUnsafeBytes { raw in
        tjDecompressHeader3(handle, raw.bindMemory(to: UInt8.self).baseAddress, UInt(raw.count),
                            &width, &height, &subsampling, &colorspace)
    }
    if status != 0 {
        throw jpegFailure(handle, data: data, name: name)
    }
    // A stream holding only tables (or one cut before its frame header) "succeeds" with a 0×0 size.
    guard width > 0, height > 0 else {
        let detail = "the JPEG stream has no frame header (SOF) declaring the image size"
        throw endsWithEOI(data) ? ImageIOError.corrupt(name: name, detail: detail)
            : ImageIOError.truncated(name: name, detail: detail)
    }
    if colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) {
        throw ImageIOError.unsupportedContent(name: name, detail: "a CMYK JPEG (print colour space)")
    }
    let gray = colorspace == Int32(TJCS_GRAY.rawValue)
    let header = ImageHeader(format: .jpeg, width: Int(width), height: Int(height),
                             channels: gray ? 1 : 3, bitDepth: 8, hasAlpha: false)
    return JPEGHeaderInfo(header: header, colorspace: colorspace)
}

/// Decodes JPEG bytes: grayscale JPEGs give 1 channel, all others 3 (RGB), values `v / 255`.
///
/// Decoding uses the accurate integer IDCT and libjpeg's default (smooth) chroma upsampling. EXIF
/// orientation is not applied: pixels come back in stored order. Libjpeg warnings about minor damage
/// (e.g. extraneous bytes before a marker) are tolerated; a stream that stops early is `.truncated`.
func decodeJPEG(_ data: Data, name: String, maxPixels: Int) throws -> Image {
    guard let handle = tjInitDecompress() else {
        throw ImageIOError.corrupt(name: name, detail: "TurboJPEG could not start: \(tjMessage(nil))")
    }
    defer { tjDestroy(handle) }
    let info = try readJPEGHeader(data, name: name, handle: handle)
    let width = info.header.width, height = info.header.height, channels = info.header.channels
    try checkPixelLimit(width: width, height: height, maxPixels: maxPixels, name: name)

    var buffer = [UInt8](repeating: 0, count: width * height * channels)
    let pixelFormat = channels == 1 ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
    let status = data.withUnsafeBytes { raw in
        buffer.withUnsafeMutableBufferPointer { out in
            tjDecompress2(handle, raw.bindMemory(to: UInt8.self).baseAddress, UInt(raw.count),
                          out.baseAddress, Int32(width), 0, Int32(height), pixelFormat, TJFLAG_ACCURATEDCT)
        }
    }
    if status != 0 {
        let isWarning = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
        // A warning on a stream without its end marker means the scan data ran out (libjpeg filled
        // the rest with gray): refuse it. Other warnings (minor damage) are tolerated.
        if !isWarning || !endsWithEOI(data) {
            throw jpegFailure(handle, data: data, name: name)
        }
    }
    return buffer.withUnsafeBufferPointer {
        planarImage(from8: $0, width: width, height: height, channels: channels, alpha: false)
    }
}

/// Encodes an already validated gray or RGB image as baseline JPEG.
///
/// Chroma subsampling: 4:4:4 (none) at quality ≥ 90, 4:2:0 below; gray images are stored as
/// single-component JPEG. Accurate integer DCT. Samples are `round(v · 255)`.
func encodeJPEG(_ img: Image, quality: Int, name: String) throws -> Data {
    guard let handle = tjInitCompress() else {
        throw ImageIOError.encodingFailed(name: name, detail: "TurboJPEG could not start: \(tjMessage(nil))")
    }
    defer { tjDestroy(handle) }
    let gray = img.channels == 1
    let pixelFormat = gray ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
    let subsampling = gray ? Int32(TJSAMP_GRAY.rawValue)
        : (quality >= 90 ? Int32(TJSAMP_444.rawValue) : Int32(TJSAMP_420.rawValue))
    let samples = interleaved8(img)
    var jpegBuffer: UnsafeMutablePointer<UInt8>? = nil
    var jpegSize: UInt = 0
    defer { if let jpegBuffer { tjFree(jpegBuffer) } }
    let status = samples.withUnsafeBufferPointer { src in
        tjCompress2(handle, src.baseAddress, Int32(img.width), 0, Int32(img.height), pixelFormat,
                    &jpegBuffer, &jpegSize, subsampling, Int32(quality), TJFLAG_ACCURATEDCT)
    }
    guard status == 0, let jpegBuffer else {
        throw ImageIOError.encodingFailed(name: name, detail: "TurboJPEG: \(tjMessage(handle))")
    }
    return Data(bytes: jpegBuffer, count: Int(jpegSize))
}

/// True when the stream's last non-zero bytes are the JPEG end-of-image marker `FF D9`
/// (some cameras pad files with zeros after it).
func endsWithEOI(_ data: Data) -> Bool {
    guard let last = data.lastIndex(where: { $0 != 0 }), last > data.startIndex else { return false }
    return data[last] == 0xD9 && data[data.index(before: last)] == 0xFF
}

private func jpegFailure(_ handle: tjhandle, data: Data, name: String) -> ImageIOError {
    let message = tjMessage(handle)
    if !endsWithEOI(data) {
        return .truncated(name: name, detail: "the JPEG stream has no end marker; TurboJPEG: \(message)")
    }
    return .corrupt(name: name, detail: "TurboJPEG: \(message)")
}

private func tjMessage(_ handle: tjhandle?) -> String {
    guard let text = tjGetErrorStr2(handle) else { return "unknown error" }
    return String(cString: text)
}
