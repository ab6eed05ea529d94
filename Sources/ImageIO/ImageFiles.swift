// The module's entry points: read, decode, encode and write images.
import Foundation
import ImageCore

/// Reads a PNG or JPEG file into a planar `Image` with values in [0, 1].
///
/// The format comes from the file's signature; when the extension names a different format
/// (a JPEG saved as `.png`) the read is refused. Values, channels and alpha follow `decodeImage`.
/// - Parameters:
///   - path: the file; `.png`, `.jpg`, `.jpeg` (any case) must match the content; other extensions
///     are read by content.
///   - maxPixels: largest width × height accepted, checked from the header before allocating
///     (default `defaultMaxPixels`, 100 megapixels).
/// - Returns: a 1-channel (gray) or 3-channel (RGB) image.
/// - Throws: `ImageIOError` — `.fileNotFound`, `.unreadable`, `.extensionMismatch`, and everything
///   `decodeImage` throws.
public func readImage(at path: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
    let data = try readFileBytes(at: path)
    return try decode(data, name: path, expected: ImageFormat(fileExtensionOf: path), maxPixels: maxPixels)
}

/// Decodes PNG or JPEG bytes held in memory (e.g. an upload) into a planar `Image`.
///
/// - Values: 8-bit samples become `v / 255`, 16-bit samples `v / 65535`, so 8- and 16-bit files
///   written by `encodeImage` read back exactly.
/// - Channels: gray (and gray+alpha) → 1 channel; RGB, RGBA and palette → 3 channels (RGB order).
/// - Alpha: composited over black, i.e. each colour value is multiplied by alpha (`v · a`), so transparent
///   pixels become 0. A fully opaque alpha channel therefore leaves the colours unchanged. The workbench
///   restores photographs, which have no transparency; check `readImageHeader(at:).hasAlpha` to detect it.
/// - PNG: libpng's simplified API; 1/2/4-bit and palette images are expanded to 8 bits. Stored values are
///   returned as they are: colour tags (`gAMA`, `sRGB`, `cHRM`, `iCCP`) are ignored, as in Pillow and
///   scikit-image, so no gamma conversion ever happens (see `decodePNG`).
/// - JPEG: TurboJPEG, accurate IDCT, EXIF orientation not applied; CMYK JPEGs are refused.
/// - Parameters:
///   - data: the encoded file.
///   - name: used in error messages only (the format is taken from the bytes, never from the name).
///   - maxPixels: largest width × height accepted, checked from the header before allocating.
/// - Throws: `ImageIOError` — `.emptyFile`, `.unknownFormat`, `.truncated`, `.corrupt`,
///   `.tooManyPixels`, `.unsupportedContent`.
public func decodeImage(_ data: Data, name: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
    try decode(data, name: name, expected: nil, maxPixels: maxPixels)
}

private func decode(_ data: Data, name: String, expected: ImageFormat?, maxPixels: Int) throws -> Image {
    switch try checkedFormat(of: data, name: name, expected: expected) {
    case .png: return try decodePNG(data, name: name, maxPixels: maxPixels)
    case .jpeg: return try decodeJPEG(data, name: name, maxPixels: maxPixels)
    }
}

/// Encodes an image as PNG or JPEG in memory.
///
/// Samples are quantised with round-to-nearest: `round(v · 255)` for 8 bits, `round(v · 65535)` for 16.
/// Values are never clipped: any value outside [0, 1], NaN or infinite makes the call throw, and the
/// caller decides (`image.clamped()` or a rescale).
/// - Parameters:
///   - image: 1 channel (gray) or 3 channels (RGB).
///   - format: `.png` (8- or 16-bit, gray or RGB, no alpha) or `.jpeg` (8-bit; 4:4:4 chroma at
///     quality ≥ 90, 4:2:0 below; gray images as single-component JPEG).
///   - bitDepth: 8 or 16 for PNG, 8 for JPEG.
///   - jpegQuality: 1…100 (libjpeg's scale; ignored for PNG).
/// - Returns: the complete encoded file.
/// - Throws: `ImageIOError` — `.unsupportedChannelCount`, `.unsupportedBitDepth`, `.invalidJPEGQuality`,
///   `.valuesOutOfRange`, `.encodingFailed`. The name in messages is "image".
public func encodeImage(_ image: Image, format: ImageFormat, bitDepth: Int = 8, jpegQuality: Int = 95) throws -> Data {
    try encode(image, format: format, bitDepth: bitDepth, jpegQuality: jpegQuality, name: "image")
}

/// Encodes and writes an image; the format comes from the extension (`.png`, `.jpg`, `.jpeg`, any case).
///
/// The image is fully encoded in memory first and then written with `writeAtomically` (temporary
/// sibling, renamed when complete), so a failed call leaves no file, partial or otherwise, and never
/// damages an existing file at `path`. Parameters and quantisation as `encodeImage`.
/// - Throws: `ImageIOError` — `.unsupportedExtension`, everything `encodeImage` throws (naming `path`),
///   and `.writeFailed` when the file system refuses.
public func writeImage(_ image: Image, to path: String, bitDepth: Int = 8, jpegQuality: Int = 95) throws {
    guard let format = ImageFormat(fileExtensionOf: path) else {
        throw ImageIOError.unsupportedExtension(name: path)
    }
    let data = try encode(image, format: format, bitDepth: bitDepth, jpegQuality: jpegQuality, name: path)
    do {
        try writeAtomically(data, to: URL(fileURLWithPath: path))
    } catch let AtomicFileError.write(_, reason) {
        throw ImageIOError.writeFailed(path: path, reason: reason)
    }
}

private func encode(_ image: Image, format: ImageFormat, bitDepth: Int, jpegQuality: Int,
                    name: String) throws -> Data {
    guard image.channels == 1 || image.channels == 3 else {
        throw ImageIOError.unsupportedChannelCount(name: name, channels: image.channels)
    }
    switch format {
    case .png:
        guard bitDepth == 8 || bitDepth == 16 else {
            throw ImageIOError.unsupportedBitDepth(name: name, bitDepth: bitDepth, format: format)
        }
    case .jpeg:
        guard bitDepth == 8 else {
            throw ImageIOError.unsupportedBitDepth(name: name, bitDepth: bitDepth, format: format)
        }
        guard (1 ... 100).contains(jpegQuality) else {
            throw ImageIOError.invalidJPEGQuality(name: name, quality: jpegQuality)
        }
    }
    let (outside, nonFinite) = countOutOfRange(image.pixels)
    if outside > 0 {
        throw ImageIOError.valuesOutOfRange(name: name, outOfRange: outside, nonFinite: nonFinite,
                                            total: image.pixels.count)
    }
    switch format {
    case .png: return try encodePNG(image, bitDepth: bitDepth, name: name)
    case .jpeg: return try encodeJPEG(image, quality: jpegQuality, name: name)
    }
}
