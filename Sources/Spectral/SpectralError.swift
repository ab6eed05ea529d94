import Foundation

/// Errors from the FFT helpers that user input can trigger (a kernel that does not fit, a
/// multi-channel kernel). Programmer mistakes (mismatched plan and buffer shapes) are preconditions.
public enum SpectralError: LocalizedError, Equatable {
    /// A kernel must be one channel; the value is the number of channels given.
    case kernelChannels(Int)
    /// The kernel does not fit inside the image (or transform shape) that `operation` needs.
    case kernelTooLarge(operation: String, kernelHeight: Int, kernelWidth: Int, height: Int, width: Int)
    /// A kernel or image holds NaN or infinity.
    case nonFinite(what: String)

    public var errorDescription: String? {
        switch self {
        case let .kernelChannels(c):
            return "A convolution kernel must have one channel, got \(c). Convert it to gray first (e.g. `luma()`)."
        case let .kernelTooLarge(operation, kh, kw, h, w):
            return "\(operation): the \(kw)×\(kh) kernel does not fit in the \(w)×\(h) image; use a smaller kernel or a larger image."
        case let .nonFinite(what):
            return "The \(what) contains NaN or infinite values; fix the data that produced it."
        }
    }
}
