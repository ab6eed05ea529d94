import Foundation

/// Bad arguments to a deconvolution call, each with the fix.
public enum DeconvolutionError: LocalizedError, Equatable {
    case psfLargerThanImage(psfWidth: Int, psfHeight: Int, width: Int, height: Int)
    case invalidIterations(Int)
    case invalidNoiseToSignal(Double)
    case invalidParameter(name: String, value: Double, expected: String)
    case nonFiniteInput(count: Int)

    public var errorDescription: String? {
        switch self {
        case let .psfLargerThanImage(pw, ph, w, h):
            return "The \(pw)×\(ph) PSF is larger than the \(w)×\(h) image. Use a smaller PSF (or a larger image): a kernel must fit inside the picture it blurred."
        case let .invalidIterations(n):
            return "The number of iterations must be at least 1, got \(n)."
        case let .invalidNoiseToSignal(v):
            return "The noise-to-signal ratio must be a finite number ≥ 0, got \(v). Omit it to estimate it from the image."
        case let .invalidParameter(name, value, expected):
            return "\(name) must be \(expected), got \(value)."
        case let .nonFiniteInput(count):
            return "The blurred image has \(count) NaN or infinite value(s); deconvolution needs finite data."
        }
    }
}
