import Foundation

/// Errors from image geometry operations that user input can trigger.
public enum ImageCoreError: LocalizedError, Equatable {
    case cropOutOfBounds(x: Int, y: Int, width: Int, height: Int, imageWidth: Int, imageHeight: Int)
    case invalidSize(width: Int, height: Int)
    case channelCount(expected: String, actual: Int)

    public var errorDescription: String? {
        switch self {
        case let .cropOutOfBounds(x, y, w, h, iw, ih):
            return "Crop \(w)×\(h) at (\(x), \(y)) does not fit inside the \(iw)×\(ih) image; choose a smaller crop or a different origin."
        case let .invalidSize(w, h):
            return "Size \(w)×\(h) is not valid; width and height must be at least 1."
        case let .channelCount(expected, actual):
            return "Expected \(expected) channels, got \(actual)."
        }
    }
}
