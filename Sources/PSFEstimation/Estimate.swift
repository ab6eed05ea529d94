import Blur
import Foundation
import ImageCore

/// The PSF families `estimatePSF` can fit.
public enum PSFModelKind: String, CaseIterable, Sendable {
    /// Linear motion: length and angle from the cepstrum (`estimateMotionParameters`).
    case motion
    /// Out-of-focus uniform disk: radius from the spectral zero rings.
    case defocus
    /// Gaussian: σ from the curvature of the log power spectrum.
    case gaussian
    /// Arbitrary camera shake: multi-scale alternating blind deconvolution with an L0 gradient prior.
    case blind
}

/// An estimated PSF with the parameters of its family and a confidence in [0, 1].
///
/// `length` (px) and `angle` (degrees counter-clockwise from the horizontal, in [0, 180)) are
/// set for `.motion`, `radius` (px) for `.defocus`, `sigma` (px) for `.gaussian`; none for
/// `.blind`. Confidence is each estimator's own score (documented there); it ranks estimates of
/// one family but is not a calibrated probability and not comparable across families.
public struct PSFEstimate: Sendable {
    public var psf: PSF
    public var model: PSFModelKind
    public var length: Double?
    public var angle: Double?
    public var radius: Double?
    public var sigma: Double?
    public var confidence: Double

    public init(psf: PSF, model: PSFModelKind, length: Double? = nil, angle: Double? = nil,
                radius: Double? = nil, sigma: Double? = nil, confidence: Double) {
        self.psf = psf
        self.model = model
        self.length = length
        self.angle = angle
        self.radius = radius
        self.sigma = sigma
        self.confidence = confidence
    }

    /// `{"model": …, "length": …, "angle": …, "radius": …, "sigma": …, "confidence": …}` with
    /// the fields that apply (keys in that order), numbers to 4 decimals.
    public var json: String {
        func num(_ v: Double) -> String { String(format: "%.4f", v) }
        var fields = ["\"model\": \"\(model.rawValue)\""]
        if let length { fields.append("\"length\": \(num(length))") }
        if let angle { fields.append("\"angle\": \(num(angle))") }
        if let radius { fields.append("\"radius\": \(num(radius))") }
        if let sigma { fields.append("\"sigma\": \(num(sigma))") }
        fields.append("\"confidence\": \(num(confidence))")
        return "{" + fields.joined(separator: ", ") + "}"
    }
}

/// Estimates the blur of `blurred` (gray or RGB; colour is reduced to BT.601 luma) as a PSF of
/// the family `model`.
///
/// Model: `y = h ∗ x + n`. The parametric families are fitted from the spectrum of the central
/// square (≤ 512 px) of the image; `.blind` alternates latent-image and kernel updates from
/// coarse to fine (see `estimateBlindKernel`).
///
/// - Parameters:
///   - blurred: the observed image, at least 32×32 pixels.
///   - model: the family to fit.
///   - kernelSize: for `.blind`, the (odd) kernel side, default 31 (even sizes are rounded up);
///     for `.motion`, an upper bound on the length; ignored otherwise.
///   - seed: for `.blind`, seeds its (small) random initial perturbation; parametric fits are deterministic.
/// - Returns: the PSF (non-negative, sum 1, odd sides, centred), parameters and confidence.
///   An estimator that finds nothing returns a delta or the smallest kernel of its family with
///   confidence 0 rather than failing.
/// - Throws: `PSFEstimationError` for non-finite, tiny (< 32 px) or flat images, or a bad kernel size.
/// `document`: blind only — the photograph is a page of dark text on light paper; the latent step
/// adds Pan et al. 2014's L0 intensity prior (`BlindOptions.documentIntensityWeight`).
public func estimatePSF(_ blurred: Image, model: PSFModelKind, kernelSize: Int? = nil, seed: UInt64 = 0,
                        document: Bool = false) throws -> PSFEstimate {
    if let k = kernelSize, k < 3 || k > 151 {
        throw PSFEstimationError.invalidKernelSize(k, reason: "the kernel side must be from 3 to 151 pixels")
    }
    switch model {
    case .motion:
        let fit = try estimateMotionParameters(blurred, maxLength: kernelSize.map(Double.init))
        guard let length = fit.length, let angle = fit.angle else {
            return PSFEstimate(psf: .identity, model: .motion, confidence: 0)
        }
        let psf = try PSF.motion(length: max(1, length), angle: angle)
        return PSFEstimate(psf: psf, model: .motion, length: length, angle: angle, confidence: fit.confidence)
    case .defocus:
        let fit = try estimateDefocusParameters(blurred)
        guard let radius = fit.radius else { return PSFEstimate(psf: .identity, model: .defocus, confidence: 0) }
        return PSFEstimate(psf: try PSF.disk(radius: radius), model: .defocus, radius: radius, confidence: fit.confidence)
    case .gaussian:
        let fit = try estimateGaussianParameters(blurred)
        guard let sigma = fit.sigma, sigma >= 0.1 else {
            return PSFEstimate(psf: .identity, model: .gaussian, sigma: fit.sigma, confidence: 0)
        }
        return PSFEstimate(psf: try PSF.gaussian(sigma: min(sigma, 50)), model: .gaussian, sigma: sigma, confidence: fit.confidence)
    case .blind:
        var size = kernelSize ?? 31
        if size % 2 == 0 { size += 1 }
        var options = BlindOptions(kernelSize: size)
        if document { options.intensityWeight = BlindOptions.documentIntensityWeight }
        let result = try estimateBlindKernel(blurred, options: options, seed: seed)
        return PSFEstimate(psf: result.psf, model: .blind, confidence: result.confidence)
    }
}
