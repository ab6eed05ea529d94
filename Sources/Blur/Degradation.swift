import ImageCore
import Spectral

/// How synthetic blur treats the image border.
public enum DegradationBoundary: String, Sendable, CaseIterable, Codable {
    /// Valid convolution of the source; the sharp target is the source's centre that the blur
    /// fully covers (smaller by the PSF size − 1). No boundary assumption enters the data.
    case valid
    /// Same-size convolution with half-sample symmetric extension of the source.
    case reflect
}

/// The camera model of synthetic degradation: `y = Q(P(h ∗ x) + n)`.
public struct DegradationOptions: Sendable, Equatable {
    /// Standard deviation of additive Gaussian noise n, in units of the [0, 1] range (default 0.01).
    public var noiseSigma: Double
    /// If set, photon (Poisson) noise P with this many photons at value 1.0, applied before n.
    public var poissonPeak: Double?
    /// Quantise to 8 bits (Q) last, as a camera writing an 8-bit file does (default on).
    public var quantize: Bool
    public var boundary: DegradationBoundary

    public init(noiseSigma: Double = 0.01, poissonPeak: Double? = nil, quantize: Bool = true,
                boundary: DegradationBoundary = .valid) {
        self.noiseSigma = noiseSigma
        self.poissonPeak = poissonPeak
        self.quantize = quantize
        self.boundary = boundary
    }
}

/// An aligned sharp / blurred pair and how it was made.
public struct Degraded: Sendable {
    public let sharp: Image
    public let blurred: Image
    public let psf: PSF
    public let options: DegradationOptions
    public let seed: UInt64
}

/// Blurs `source` with `psf` without the inverse crime, then adds noise and quantises.
///
/// Order: blur (valid or reflect-padded convolution, never circular) → Poisson noise (optional)
/// → Gaussian noise → 8-bit quantisation. Quantisation rounds `v·255` to the nearest integer and
/// so must clamp to [0, 1]: an 8-bit file cannot hold other values. That clamp is the documented
/// last step of the camera model; nothing else is clipped. The same seed gives bit-identical output.
/// - Throws: `BlurError.imageTooSmall` when valid convolution leaves nothing; `.invalidNoise`.
public func degrade(_ source: Image, psf: PSF, options: DegradationOptions = DegradationOptions(),
                    seed: UInt64) throws -> Degraded {
    guard options.noiseSigma >= 0, options.noiseSigma.isFinite else {
        throw BlurError.invalidNoise("the noise sigma must be a finite number ≥ 0, got \(options.noiseSigma)")
    }
    if let peak = options.poissonPeak {
        guard peak > 0, peak.isFinite else { throw BlurError.invalidNoise("the Poisson peak must be > 0, got \(peak)") }
    }
    let sharp: Image
    var blurred: Image
    switch options.boundary {
    case .valid:
        guard source.height >= psf.height + 1, source.width >= psf.width + 1 else {
            throw BlurError.imageTooSmall(width: source.width, height: source.height, psfWidth: psf.width, psfHeight: psf.height)
        }
        blurred = try convolveValid(source, kernel: psf.weights)
        sharp = try source.cropped(x: psf.width / 2, y: psf.height / 2, width: blurred.width, height: blurred.height)
    case .reflect:
        blurred = try convolve(source, kernel: psf.weights, boundary: .reflect)
        sharp = source
    }
    var rng = SeededRNG(seed: seed)
    if let peak = options.poissonPeak {
        for i in blurred.pixels.indices {
            blurred.pixels[i] = Float(rng.poisson(mean: Double(max(0, blurred.pixels[i])) * peak) / peak)
        }
    }
    if options.noiseSigma > 0 {
        let sigma = options.noiseSigma
        for i in blurred.pixels.indices { blurred.pixels[i] += Float(sigma * rng.normal()) }
    }
    if options.quantize {
        for i in blurred.pixels.indices {
            blurred.pixels[i] = (min(max(blurred.pixels[i], 0), 1) * 255).rounded() / 255
        }
    }
    return Degraded(sharp: sharp, blurred: blurred, psf: psf, options: options, seed: seed)
}
