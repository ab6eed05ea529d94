import Foundation
import ImageCore

/// Where a PSF came from, with the parameters that reproduce it.
public enum PSFKind: Sendable, Equatable {
    case gaussian(sigma: Double)
    case disk(radius: Double)
    case motion(length: Double, angle: Double)
    /// `length` nil: the trajectory length was drawn from the seed (see `PSF.shake`).
    case shake(seed: UInt64, length: Double?)
    case file(path: String)
    /// Given directly as weights (e.g. an estimated kernel).
    case custom

    /// Short family name: `gaussian`, `disk`, `motion`, `shake`, `file`, `custom`.
    public var name: String {
        switch self {
        case .gaussian: return "gaussian"
        case .disk: return "disk"
        case .motion: return "motion"
        case .shake: return "shake"
        case .file: return "file"
        case .custom: return "custom"
        }
    }

    /// Named numeric parameters, for manifests and reports.
    public var parameters: [String: Double] {
        switch self {
        case let .gaussian(s): return ["sigma": s]
        case let .disk(r): return ["radius": r]
        case let .motion(l, a): return ["length": l, "angle": a]
        case let .shake(seed, length):
            return length.map { ["seed": Double(seed), "length": $0] } ?? ["seed": Double(seed)]
        case .file, .custom: return [:]
        }
    }

    /// The spec string that reproduces this PSF with `PSF.parse` (`custom` has none: "custom").
    public var spec: String {
        // Whole numbers without ".0"; otherwise Swift's shortest representation that parses back
        // to the same Double, so `PSF.parse(kind.spec)` rebuilds exactly this kernel.
        func num(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        }
        switch self {
        case let .gaussian(s): return "gaussian:\(num(s))"
        case let .disk(r): return "disk:\(num(r))"
        case let .motion(l, a): return "motion:\(num(l)),\(num(a))"
        case let .shake(seed, length): return length.map { "shake:\(seed),\(num($0))" } ?? "shake:\(seed)"
        case let .file(path): return path
        case .custom: return "custom"
        }
    }
}

/// A point-spread function (blur kernel): the image of a point source, `y = h ∗ x + n`.
///
/// Invariants, checked on creation: one channel; odd height and width (so the kernel has a
/// centre pixel, `(height/2, width/2)`); all weights finite and non-negative; weights sum to 1
/// (they are normalised on creation, which therefore requires a positive sum).
public struct PSF: Sendable, Equatable {
    public let kind: PSFKind
    /// The normalised weights, a one-channel image.
    public let weights: Image

    /// Whether the kernel was estimated from the blurred image (by a PSF estimator) rather than
    /// known: methods that can allow for kernel error (plug-and-play) read it. False unless marked.
    public private(set) var isEstimate = false

    public var height: Int { weights.height }
    public var width: Int { weights.width }
    public var spec: String { kind.spec }

    /// The same kernel marked as an estimate (`isEstimate`).
    public var markedAsEstimate: PSF {
        var copy = self
        copy.isEstimate = true
        return copy
    }

    /// Validates and normalises `weights`.
    /// - Throws: `BlurError` naming the problem (channels, even size, NaN/∞, negative, zero sum).
    public init(weights: Image, kind: PSFKind = .custom) throws {
        guard weights.channels == 1 else { throw BlurError.psfChannels(weights.channels) }
        guard weights.height % 2 == 1, weights.width % 2 == 1 else {
            throw BlurError.psfEvenSize(width: weights.width, height: weights.height)
        }
        let bad = weights.nonFiniteCount
        guard bad == 0 else { throw BlurError.psfNonFinite(count: bad) }
        let negative = weights.pixels.filter { $0 < 0 }.count
        guard negative == 0 else { throw BlurError.psfNegative(count: negative, minimum: weights.valueRange.lowerBound) }
        let total = weights.sum
        guard total > 0 else { throw BlurError.psfZeroSum }
        var normalised = weights
        for i in normalised.pixels.indices { normalised.pixels[i] = Float(Double(weights.pixels[i]) / total) }
        self.kind = kind
        self.weights = normalised
    }

    /// A delta (identity blur).
    public static var identity: PSF {
        try! PSF(weights: Image(channels: 1, height: 1, width: 1, value: 1))
    }

    /// The weights divided by the largest weight (peak 1): how PSFs are stored as 16-bit PNGs
    /// (`psf/NAME.png`, `deblur psf --raw`). Reading one back with `PSF.parse(path)` renormalises to sum 1.
    public var peakNormalized: Image {
        var out = weights
        let peak = weights.valueRange.upperBound
        for i in out.pixels.indices { out.pixels[i] /= peak }
        return out
    }

    /// The kernel for viewing: max-normalised and enlarged with nearest-neighbour sampling so its
    /// longer side is at least `minimumSide` pixels.
    public func viewingImage(minimumSide: Int = 256) -> Image {
        let peak = weights.valueRange.upperBound
        let scale = max(1, Int((Double(minimumSide) / Double(max(height, width))).rounded(.up)))
        var out = Image(channels: 1, height: height * scale, width: width * scale)
        for y in 0 ..< out.height {
            for x in 0 ..< out.width { out[0, y, x] = weights[0, y / scale, x / scale] / peak }
        }
        return out
    }
}
