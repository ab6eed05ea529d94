import Foundation

/// Errors from PSFs, PSF specs and synthetic degradation.
public enum BlurError: LocalizedError, Equatable {
    case psfChannels(Int)
    case psfEvenSize(width: Int, height: Int)
    case psfNonFinite(count: Int)
    case psfNegative(count: Int, minimum: Float)
    case psfZeroSum
    case invalidSpec(String, reason: String)
    case psfFile(path: String, reason: String)
    case imageTooSmall(width: Int, height: Int, psfWidth: Int, psfHeight: Int)
    case invalidNoise(String)

    public var errorDescription: String? {
        switch self {
        case let .psfChannels(c):
            return "A PSF must have one channel, this one has \(c). Convert the kernel image to gray."
        case let .psfEvenSize(w, h):
            return "A PSF needs odd width and height so it has a centre pixel; this one is \(w)×\(h). Pad it with a row/column of zeros."
        case let .psfNonFinite(count):
            return "The PSF has \(count) NaN or infinite weight(s). Every weight must be a finite number."
        case let .psfNegative(count, minimum):
            return "The PSF has \(count) negative weight(s) (smallest \(minimum)). Blur kernels must be non-negative."
        case .psfZeroSum:
            return "The PSF's weights sum to zero, so it cannot be normalised. Give a kernel with at least one positive weight."
        case let .invalidSpec(spec, reason):
            return "Invalid PSF spec '\(spec)': \(reason.hasSuffix(".") ? String(reason.dropLast()) : reason). Use gaussian:SIGMA, disk:RADIUS, motion:LENGTH,ANGLE, shake:SEED or a path to a kernel PNG."
        case let .psfFile(path, reason):
            return "Could not use '\(path)' as a PSF: \(reason.hasSuffix(".") ? String(reason.dropLast()) : reason)."
        case let .imageTooSmall(w, h, pw, ph):
            return "The \(w)×\(h) image is too small for valid convolution with a \(pw)×\(ph) PSF. Use a larger image or a smaller PSF."
        case let .invalidNoise(reason):
            return "Invalid noise setting: \(reason)."
        }
    }
}
