import Foundation
import ImageCore

/// Reads the header of the image at `path` (format, size, channels, bit depth) without decoding pixels.
/// - Throws: `ImageIOError` naming the file (missing, empty, unknown format, extension mismatch, corrupt).
public func readImageHeader(at path: String) throws -> ImageHeader {
    let data = try readFileBytes(path)
    let format = try detectFormat(data, name: path, checkExtension: true)
    return format == .png ? try PNGCodec.header(data, name: path) : try JPEGCodec.header(data, name: path)
}

/// Reads a PNG (8/16-bit; gray, gray+alpha, RGB, RGBA, palette) or JPEG file into an `Image`
/// with values `stored / 255` (or `/ 65535`): 1 channel for gray files, 3 for colour.
///
/// - Parameters:
///   - path: the file; its extension must agree with its content.
///   - maxPixels: refuse images with more pixels than this, checked from the header before any
///     pixel memory is allocated (default `defaultMaxPixels`, 100 megapixels).
/// - Throws: `ImageIOError` naming the file and what is wrong.
public func readImage(at path: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
    let data = try readFileBytes(path)
    let format = try detectFormat(data, name: path, checkExtension: true)
    return try decode(data, format: format, name: path, maxPixels: maxPixels)
}

/// Decodes PNG or JPEG bytes held in memory (for example an upload). The format comes from the
/// bytes' signature; `name` appears in error messages only and is never used as a path.
public func decodeImage(_ data: Data, name: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
    let format = try detectFormat(data, name: name, checkExtension: false)
    return try decode(data, format: format, name: name, maxPixels: maxPixels)
}

/// Encodes an image with values in [0, 1] as PNG (8 or 16 bits per sample) or JPEG (quality 1…100).
/// - Throws: `ImageIOError.valuesOutOfRange` / `.nonFinite` instead of clipping; unsupported
///   channel counts, bit depths or qualities.
public func encodeImage(_ image: Image, format: ImageFormat, bitDepth: Int = 8, jpegQuality: Int = 95,
                        name: String = "image") throws -> Data {
    guard image.channels == 1 || image.channels == 3 else {
        throw ImageIOError.unsupportedChannels(path: name, channels: image.channels)
    }
    guard bitDepth == 8 || (bitDepth == 16 && format == .png) else {
        throw ImageIOError.unsupportedBitDepth(path: name, bitDepth: bitDepth, format: format)
    }
    if format == .jpeg { guard (1 ... 100).contains(jpegQuality) else { throw ImageIOError.invalidQuality(jpegQuality) } }
    var outside = 0, nonFinite = 0
    for v in image.pixels {
        if !v.isFinite { nonFinite += 1 } else if v < 0 || v > 1 { outside += 1 }
    }
    if nonFinite > 0 { throw ImageIOError.nonFinite(path: name, count: nonFinite) }
    if outside > 0 {
        let range = image.valueRange
        throw ImageIOError.valuesOutOfRange(path: name, count: outside, minimum: range.lowerBound, maximum: range.upperBound)
    }
    switch format {
    case .png: return try PNGCodec.encode(image, bitDepth: bitDepth, name: name)
    case .jpeg: return try JPEGCodec.encode(image, quality: jpegQuality, name: name)
    }
}

/// Writes `image` to `path` in the format its extension names (.png, .jpg, .jpeg), atomically:
/// the file appears complete or not at all.
/// - Throws: `ImageIOError` for an unknown extension or values outside [0, 1] (clip explicitly
///   with `Image.clamped()`), or the write failure.
public func writeImage(_ image: Image, to path: String, bitDepth: Int = 8, jpegQuality: Int = 95) throws {
    let url = URL(fileURLWithPath: path)
    guard let format = ImageFormat(fileExtension: url.pathExtension) else {
        throw ImageIOError.unsupportedExtension(path: path)
    }
    let data = try encodeImage(image, format: format, bitDepth: bitDepth, jpegQuality: jpegQuality, name: path)
    try writeAtomically(data, to: url)
}

// MARK: - Shared steps

func readFileBytes(_ path: String) throws -> Data {
    guard FileManager.default.fileExists(atPath: path) else { throw ImageIOError.fileNotFound(path: path) }
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw ImageIOError.unreadable(path: path, reason: error.localizedDescription)
    }
    guard !data.isEmpty else { throw ImageIOError.empty(path: path) }
    return data
}

func detectFormat(_ data: Data, name: String, checkExtension: Bool) throws -> ImageFormat {
    guard !data.isEmpty else { throw ImageIOError.empty(path: name) }
    guard let format = ImageFormat(signatureOf: data) else { throw ImageIOError.unknownFormat(path: name) }
    if checkExtension {
        let ext = URL(fileURLWithPath: name).pathExtension
        if let named = ImageFormat(fileExtension: ext), named != format {
            throw ImageIOError.extensionMismatch(path: name, fileExtension: ext, detected: format)
        }
    }
    return format
}

func decode(_ data: Data, format: ImageFormat, name: String, maxPixels: Int) throws -> Image {
    switch format {
    case .png: return try PNGCodec.decode(data, name: name, maxPixels: maxPixels)
    case .jpeg: return try JPEGCodec.decode(data, name: name, maxPixels: maxPixels)
    }
}
