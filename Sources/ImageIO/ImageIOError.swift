import Foundation

/// Everything that can go wrong reading or writing an image file. Each message names the file
/// and says what to do about it.
public enum ImageIOError: LocalizedError, Equatable {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case unknownFormat(path: String)
    case extensionMismatch(path: String, fileExtension: String, detected: ImageFormat)
    case corrupt(path: String, format: ImageFormat, detail: String)
    case tooManyPixels(path: String, width: Int, height: Int, limit: Int)
    case unsupportedExtension(path: String)
    case unsupportedChannels(path: String, channels: Int)
    case unsupportedBitDepth(path: String, bitDepth: Int, format: ImageFormat)
    case invalidQuality(Int)
    case valuesOutOfRange(path: String, count: Int, minimum: Float, maximum: Float)
    case nonFinite(path: String, count: Int)
    case encodeFailed(path: String, detail: String)

    public var errorDescription: String? {
        switch self {
        case let .fileNotFound(path):
            return "Image file '\(path)' does not exist. Check the path."
        case let .unreadable(path, reason):
            return "Could not read '\(path)': \(reason). Check the file's permissions."
        case let .empty(path):
            return "'\(path)' is empty (0 bytes). Re-export or re-download the image."
        case let .unknownFormat(path):
            return "'\(path)' is neither a PNG nor a JPEG (its first bytes match neither signature). Convert it to PNG or JPEG."
        case let .extensionMismatch(path, ext, detected):
            return "'\(path)' has the extension .\(ext) but holds \(detected.displayName) data. Rename it to .\(detected.preferredExtension) so tools agree on what it is."
        case let .corrupt(path, format, detail):
            return "'\(path)' is not a valid \(format.displayName) file (\(detail)); it may be truncated or damaged. Re-export or re-download it."
        case let .tooManyPixels(path, width, height, limit):
            return "'\(path)' claims \(width)×\(height) = \(width * height) pixels, more than the limit of \(limit). Resize it first, or raise the limit (maxPixels / --max-pixels) if the file is trusted."
        case let .unsupportedExtension(path):
            return "Cannot tell the image format of '\(path)' from its extension. Use .png, .jpg or .jpeg."
        case let .unsupportedChannels(path, channels):
            return "Cannot write a \(channels)-channel image to '\(path)': only 1 (gray) or 3 (RGB) channels are supported."
        case let .unsupportedBitDepth(path, bitDepth, format):
            return "Cannot write '\(path)' with \(bitDepth) bits per sample: \(format.displayName) supports \(format == .png ? "8 or 16" : "only 8")."
        case let .invalidQuality(q):
            return "JPEG quality must be between 1 and 100, got \(q)."
        case let .valuesOutOfRange(path, count, lo, hi):
            return "Cannot write '\(path)': \(count) value(s) lie outside [0, 1] (range \(lo)…\(hi)). Clip explicitly first (Image.clamped()) or rescale; the workbench never clips silently."
        case let .nonFinite(path, count):
            return "Cannot write '\(path)': \(count) value(s) are NaN or infinite. Fix the computation that produced them."
        case let .encodeFailed(path, detail):
            return "Could not encode '\(path)': \(detail)."
        }
    }
}
