import Foundation

/// Bad input to PSF estimation or a PSF study, each with how to fix it (bad MAT files and
/// benchmark folders are `Datasets.BenchmarkDataError`).
public enum PSFEstimationError: LocalizedError, Equatable {
    case imageTooSmall(width: Int, height: Int, minimum: Int)
    case flatImage
    case nonFiniteInput(count: Int)
    case invalidKernelSize(Int, reason: String)
    case invalidParameter(name: String, value: String, expected: String)
    /// No photograph of the data is at least `minimumSide` pixels on each side (a study crop plus margin).
    case noLargeEnoughImage(data: String, minimumSide: Int)
    /// A study was asked for images the data does not hold.
    case unknownImages([String], data: String, available: [String])

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
        case let .noLargeEnoughImage(data, minimumSide):
            return "No image in '\(data)' is at least \(minimumSide) pixels on each side; choose a smaller crop side (it needs side + 40 pixels)."
        case let .unknownImages(unknown, data, available):
            return "No image named \(unknown.joined(separator: ", ")) in '\(data)'; it has \(available.joined(separator: ", "))."
        }
    }
}
