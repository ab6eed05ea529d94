import Foundation

/// Everything that can go wrong while reading or writing an image file.
///
/// Every case names the file (or, for in-memory data, the name the caller gave) and its message says
/// what is wrong and how to fix it. Nothing in this module crashes on bad input; it throws one of these.
public enum ImageIOError: LocalizedError, Equatable {
    /// No file exists at the path.
    case fileNotFound(path: String)
    /// The path exists but could not be read (a folder, no permission, I/O error).
    case unreadable(path: String, reason: String)
    /// The file or upload holds zero bytes.
    case emptyFile(name: String)
    /// The bytes start with neither the PNG nor the JPEG signature. `firstBytes` is a hex preview.
    case unknownFormat(name: String, firstBytes: String)
    /// The file name says one format and the content is another (e.g. a JPEG saved as `photo.png`).
    case extensionMismatch(name: String, extensionFormat: ImageFormat, contentFormat: ImageFormat)
    /// Writing: the destination's extension is not `.png`, `.jpg` or `.jpeg`.
    case unsupportedExtension(name: String)
    /// The file ends before the image data is complete.
    case truncated(name: String, detail: String)
    /// The file has the right signature but its content is damaged; `detail` is the decoder's message.
    case corrupt(name: String, detail: String)
    /// The header declares more pixels than allowed; refused before any pixel memory is allocated.
    case tooManyPixels(name: String, width: Int, height: Int, maxPixels: Int)
    /// A valid file using a feature this workbench does not decode (e.g. a CMYK JPEG).
    case unsupportedContent(name: String, detail: String)
    /// Writing: some values lie outside [0, 1] or are not finite. Nothing is clipped silently.
    case valuesOutOfRange(name: String, outOfRange: Int, nonFinite: Int, total: Int)
    /// Writing: only 1-channel (gray) and 3-channel (RGB) images can be stored.
    case unsupportedChannelCount(name: String, channels: Int)
    /// Writing: PNG takes 8 or 16 bits per sample, JPEG only 8.
    case unsupportedBitDepth(name: String, bitDepth: Int, format: ImageFormat)
    /// Writing: JPEG quality must lie in 1…100.
    case invalidJPEGQuality(name: String, quality: Int)
    /// The encoder library reported a failure; `detail` is its message.
    case encodingFailed(name: String, detail: String)
    /// The encoded bytes could not be written to disk.
    case writeFailed(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .fileNotFound(path):
            return "Image file '\(path)' does not exist. Check the path and its spelling."
        case let .unreadable(path, reason):
            return "Could not read image file '\(path)': \(reason.hasSuffix(".") ? String(reason.dropLast()) : reason). Check that it is a regular file you may read."
        case let .emptyFile(name):
            return "Image '\(name)' is empty (0 bytes). Re-export or re-download it."
        case let .unknownFormat(name, firstBytes):
            let kind = recognisedOtherFormat(hexPreview: firstBytes).map { ", it looks like \($0)" } ?? ""
            return "'\(name)' is neither a PNG nor a JPEG (it starts with bytes \(firstBytes)\(kind)). "
                + "Convert it to PNG or JPEG first."
        case let .extensionMismatch(name, ext, content):
            return "'\(name)' is named like a \(ext.displayName) file but contains \(content.displayName) data. "
                + "Rename it to end in .\(content.preferredExtension) (or re-save it as \(ext.displayName))."
        case let .unsupportedExtension(name):
            return "Cannot tell the image format from the name '\(name)'. Use a name ending in .png, .jpg or .jpeg."
        case let .truncated(name, detail):
            return "Image '\(name)' is truncated (\(detail)). The file was cut short; copy or download it again."
        case let .corrupt(name, detail):
            return "Image '\(name)' is damaged and cannot be decoded: \(detail). Re-export it or use another file."
        case let .tooManyPixels(name, width, height, maxPixels):
            let pixels = width.multipliedReportingOverflow(by: height).partialValue
            return "Image '\(name)' declares \(width)×\(height) = \(pixels) pixels, more than the limit of "
                + "\(maxPixels). If the image is genuine, raise the pixel limit; otherwise the file may be a decompression bomb."
        case let .unsupportedContent(name, detail):
            return "Image '\(name)' uses a feature this tool does not read: \(detail). "
                + "Convert it to an RGB or gray PNG or JPEG."
        case let .valuesOutOfRange(name, outOfRange, nonFinite, total):
            return "Cannot write '\(name)': \(outOfRange) of \(total) values lie outside [0, 1]"
                + (nonFinite > 0 ? " (\(nonFinite) of them NaN or infinite, which usually means a computation diverged)" : "")
                + ". Values are never clipped silently: clamp explicitly with image.clamped() or rescale before writing"
                + (nonFinite > 0 ? "; NaN survives clamping and must be replaced first." : ".")
        case let .unsupportedChannelCount(name, channels):
            return "Cannot write '\(name)': the image has \(channels) channels, but only 1 (gray) or 3 (RGB) "
                + "can be stored. Select or combine channels first."
        case let .unsupportedBitDepth(name, bitDepth, format):
            let allowed = format == .png ? "8 or 16" : "8"
            return "Cannot write '\(name)' with \(bitDepth) bits per sample: \(format.displayName) supports \(allowed). "
                + "Pass bitDepth: \(allowed)."
        case let .invalidJPEGQuality(name, quality):
            return "Cannot write '\(name)' with JPEG quality \(quality): choose a quality from 1 to 100 "
                + "(95, the default, is visually lossless)."
        case let .encodingFailed(name, detail):
            return "Encoding '\(name)' failed: \(detail). Please report this with the image's size and format."
        case let .writeFailed(path, reason):
            return "Could not write '\(path)': \(reason). Check that the folder exists or can be created and is writable."
        }
    }
}

/// Names a few common non-PNG/JPEG formats from the hex preview of their first bytes, for messages.
func recognisedOtherFormat(hexPreview: String) -> String? {
    let signatures: [(String, String)] = [
        ("47 49 46 38", "a GIF"), ("49 49 2A 00", "a TIFF"), ("4D 4D 00 2A", "a TIFF"), ("42 4D", "a BMP"),
        ("52 49 46 46", "a WebP or other RIFF file"), ("25 50 44 46", "a PDF"), ("00 00 00 0C 6A 50", "a JPEG 2000"),
        ("3C", "a text/HTML/SVG file (maybe an error page saved instead of the image)"),
    ]
    if hexPreview.count >= 23, hexPreview.dropFirst(12).hasPrefix("66 74 79 70") { return "a HEIC/AVIF or MP4 file" }
    return signatures.first { hexPreview.hasPrefix($0.0) }?.1
}
