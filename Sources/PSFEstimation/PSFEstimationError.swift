import Foundation

/// Bad input to PSF estimation or the Levin et al. loaders, each with how to fix it.
public enum PSFEstimationError: LocalizedError, Equatable {
    case imageTooSmall(width: Int, height: Int, minimum: Int)
    case flatImage
    case nonFiniteInput(count: Int)
    case invalidKernelSize(Int, reason: String)
    case invalidParameter(name: String, value: String, expected: String)
    case matFile(path: String, reason: String)
    case matVariableMissing(path: String, name: String, available: [String])
    case dataset(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .imageTooSmall(w, h, minimum):
            return "The \(w)×\(h) image is too small to estimate a PSF from; give an image of at least \(minimum)×\(minimum) pixels."
        case .flatImage:
            return "The image is flat (no edges or texture), so it carries no information about the blur. Give a photograph with some detail."
        case let .nonFiniteInput(count):
            return "The image has \(count) NaN or infinite value(s); PSF estimation needs finite data."
        case let .invalidKernelSize(k, reason):
            return "Invalid kernel size \(k): \(reason)."
        case let .invalidParameter(name, value, expected):
            return "\(name) must be \(expected), got \(value)."
        case let .matFile(path, reason):
            return "Could not read '\(path)' as a MATLAB v5 .mat file: \(reason)."
        case let .matVariableMissing(path, name, available):
            return "'\(path)' has no variable '\(name)' (it holds: \(available.isEmpty ? "nothing readable" : available.joined(separator: ", "))). Levin et al. files hold x (sharp), y (blurred) and f (kernel)."
        case let .dataset(path, reason):
            return "Could not use '\(path)' as a PSF-study data set: \(reason)."
        }
    }
}
