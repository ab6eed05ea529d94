import Blur
import Foundation
import ImageCore
import Spectral

/// A Gaussian denoiser used as an image prior: `denoise(noisy, σ)` with σ on the [0, 1] scale.
/// It must accept any size and the input's channel count; it is called with a padded image.
public typealias PriorDenoiser = (_ noisy: Image, _ sigma: Double) throws -> Image

/// Settings of the plug-and-play loop, defaults as DPIR (Zhang et al. 2021).
public struct PlugAndPlayOptions: Sendable, Equatable {
    /// Iterations K (DPIR: 8).
    public var iterations = 8
    /// The first denoiser level σ₁ (DPIR: 49/255); the levels fall log-linearly to the noise level.
    public var startSigma = 49.0 / 255
    /// The noise level σₙ of the blurred image; nil: the robust estimate `estimateNoiseSigma`.
    public var noiseSigma: Double? = nil
    /// λ of the penalty weights ρₖ = λ σₙ² / σₖ² (DPIR: 0.23).
    public var lambda = 0.23
    /// The error of an estimated PSF counted as extra noise: the loop runs at σ = √(σₙ² + σₖₑ²)
    /// (independent errors add in variance). 0 for a known PSF; see `estimatedPSFErrorSigma`.
    public var kernelErrorSigma = 0.0
    /// The smallest noise level used (an 8-bit image always carries quantisation noise of 1/(255√12)).
    public static let noiseFloor = 1.0 / 255
    public init() {}
}

/// Plug-and-play half-quadratic splitting (HQS) for non-blind deconvolution (Zhang et al. 2017,
/// IRCNN; 2021, DPIR): for k = 1…K,
///
///     x ← argmin ‖y − h ∗ x‖² + ρₖ ‖x − z‖²     (closed form on the FFT grid)
///     z ← denoise(x, σₖ)                         (the learned or classical prior)
///
/// with σₖ log-spaced from `startSigma` to σₙ and ρₖ = λ σₙ² / σₖ²; the result is the last z.
///
/// Borders (honest, no circular assumption): the unknown image lives on a grid larger than the
/// observation by at least the PSF's size on every side (rounded up to a fast FFT size), where the
/// blur is circular. Before each data step the unobserved part of that grid is filled with the
/// re-blurred current estimate h ⊛ x ("boundary adjustment", Kruse et al. 2017 §3.3; Reeves 2005),
/// so the data step fits the observed pixels only and the wrap-around never reaches them. The first
/// estimate is the mirror-padded observation. Prototyped here: with reflect padding alone the loop
/// diverged on a 17-px motion blur (15 dB); with the adjustment it beat RL-TV by +7.7 and +1.5 dB.
///
/// - Parameters:
///   - blurred: the observation y (any channel count; the denoiser sees all channels at once).
///   - psf: the blur kernel h (odd size).
///   - denoiser: the prior.
///   - options: iterations, σ schedule and λ.
///   - observe: called after each iteration with (k, x, z) on the image's own grid (for lessons).
/// - Returns: the final z, cropped to the observation's size (values may leave [0, 1]).
/// - Throws: `DeconvolutionError` for a bad PSF, non-finite input or bad options; the denoiser's errors.
public func plugAndPlay(_ blurred: Image, psf: PSF, denoiser: PriorDenoiser, options: PlugAndPlayOptions = PlugAndPlayOptions(),
                        observe: ((_ iteration: Int, _ x: Image, _ z: Image) -> Void)? = nil) throws -> Image {
    try checkIterations(options.iterations)
    for (name, value) in [("start sigma", options.startSigma), ("lambda", options.lambda)] where !(value > 0 && value.isFinite) {
        throw DeconvolutionError.invalidParameter(name: name, value: value, expected: "a finite number > 0")
    }
    if let s = options.noiseSigma, !(s >= 0 && s.isFinite) {
        throw DeconvolutionError.invalidParameter(name: "noise sigma", value: s, expected: "a finite number ≥ 0")
    }
    guard psf.height <= blurred.height, psf.width <= blurred.width else {
        throw DeconvolutionError.psfLargerThanImage(psfWidth: psf.width, psfHeight: psf.height, width: blurred.width, height: blurred.height)
    }
    let bad = blurred.nonFiniteCount
    guard bad == 0 else { throw DeconvolutionError.nonFiniteInput(count: bad) }

    guard options.kernelErrorSigma >= 0, options.kernelErrorSigma.isFinite else {
        throw DeconvolutionError.invalidParameter(name: "kernel error sigma", value: options.kernelErrorSigma, expected: "a finite number ≥ 0")
    }
    let observed = max(options.noiseSigma ?? estimateNoiseSigma(blurred), PlugAndPlayOptions.noiseFloor)
    let sigmaN = (observed * observed + options.kernelErrorSigma * options.kernelErrorSigma).squareRoot()
    let schedule = plugAndPlaySchedule(options, noiseSigma: sigmaN)
    let grid = BoundaryGrid(imageHeight: blurred.height, imageWidth: blurred.width, psf: psf)
    let blur = try CirculantBlur(psf: psf, height: grid.height, width: grid.width)
    let solver = HQSDataStep(blur: blur)

    var z = grid.mirrorPadded(blurred)
    var x = z
    for (k, step) in schedule.enumerated() {
        IterationProgress.report(k + 1, of: schedule.count)
        for c in 0 ..< blurred.channels {
            let adjusted = grid.boundaryAdjusted(blurred, channel: c, estimate: z, blur: blur)
            solver.solve(observation: adjusted, prior: z, channel: c, rho: Float(step.rho), into: &x)
        }
        z = try denoiser(x, step.sigma)
        guard z.channels == x.channels, z.height == x.height, z.width == x.width else {
            throw DeconvolutionError.invalidParameter(name: "denoiser output size", value: Double(z.pixels.count),
                                                      expected: "\(x.channels)×\(x.height)×\(x.width), the input's shape")
        }
        observe?(k, grid.crop(x), grid.crop(z))
    }
    return grid.crop(z)
}

/// The (σₖ, ρₖ) of each iteration: σ log-spaced from the start level to σₙ, ρₖ = λ σₙ² / σₖ².
public func plugAndPlaySchedule(_ options: PlugAndPlayOptions, noiseSigma sigmaN: Double) -> [(sigma: Double, rho: Double)] {
    let k = options.iterations
    let first = max(options.startSigma, sigmaN)
    return (0 ..< k).map { i in
        let t = k == 1 ? 1 : Double(i) / Double(k - 1)
        let sigma = exp(log(first) + t * (log(sigmaN) - log(first)))
        return (sigma, options.lambda * sigmaN * sigmaN / (sigma * sigma))
    }
}

/// The enlarged grid of the plug-and-play loop and the image's place in it.
struct BoundaryGrid {
    let imageHeight: Int, imageWidth: Int
    let height: Int, width: Int
    let top: Int, left: Int

    /// At least the PSF's size of unobserved margin on every side, up to a fast FFT size.
    init(imageHeight: Int, imageWidth: Int, psf: PSF) {
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        let margin = max(psf.height, psf.width)
        height = fastFFTSize(imageHeight + 2 * margin)
        width = fastFFTSize(imageWidth + 2 * margin)
        top = (height - imageHeight) / 2
        left = (width - imageWidth) / 2
    }

    /// The image mirror-padded (half-sample symmetric) to the grid.
    func mirrorPadded(_ image: Image) -> Image {
        var out = Image(channels: image.channels, height: height, width: width)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for c in 0 ..< image.channels {
                    padPlane(src.baseAddress! + c * image.planeSize, height: imageHeight, width: imageWidth,
                             into: dst.baseAddress! + c * height * width, height: height, width: width,
                             top: top, left: left, mode: .reflect)
                }
            }
        }
        return out
    }

    /// Channel `c` of the observation on the grid, its unobserved part filled with h ⊛ estimate.
    func boundaryAdjusted(_ observed: Image, channel c: Int, estimate: Image, blur: CirculantBlur) -> RealBuffer {
        let buffer = RealBuffer(count: height * width, zeroed: false)
        estimate.pixels.withUnsafeBufferPointer { e in
            buffer.pointer.update(from: e.baseAddress! + c * height * width, count: height * width)
        }
        blur.apply(buffer, into: buffer)
        insertObservation(observed, channel: c, into: buffer)
        return buffer
    }

    /// Overwrites the observed part of a grid-sized buffer (a re-blurred estimate) with channel `c` of the
    /// observation: the boundary-adjusted observation, in place.
    func insertObservation(_ observed: Image, channel c: Int, into buffer: RealBuffer) {
        observed.pixels.withUnsafeBufferPointer { o in
            let plane = o.baseAddress! + c * observed.planeSize
            for y in 0 ..< imageHeight {
                (buffer.pointer + (top + y) * width + left).update(from: plane + y * imageWidth, count: imageWidth)
            }
        }
    }

    /// The image's part of a grid-sized image.
    func crop(_ image: Image) -> Image {
        var out = Image(channels: image.channels, height: imageHeight, width: imageWidth)
        for c in 0 ..< image.channels {
            for y in 0 ..< imageHeight {
                let src = (c * height + top + y) * width + left, dst = (c * imageHeight + y) * imageWidth
                out.pixels.replaceSubrange(dst ..< dst + imageWidth, with: image.pixels[src ..< src + imageWidth])
            }
        }
        return out
    }
}

/// The HQS data step on the grid: X = (conj(H)·Y + ρ·Z) / (|H|² + ρ), per channel.
struct HQSDataStep {
    let blur: CirculantBlur
    let power: [Float]

    init(blur: CirculantBlur) {
        self.blur = blur
        power = blur.powerSpectrum()
    }

    /// Writes channel `c` of the solution into `x` (a grid-sized image).
    func solve(observation y: RealBuffer, prior z: Image, channel c: Int, rho: Float, into x: inout Image) {
        let fft = blur.fft, n = fft.realCount
        let zBuffer = RealBuffer(count: n, zeroed: false)
        z.pixels.withUnsafeBufferPointer { zp in zBuffer.pointer.update(from: zp.baseAddress! + c * n, count: n) }
        let Y = ComplexBuffer(count: fft.spectrumCount, zeroed: false), Z = ComplexBuffer(count: fft.spectrumCount, zeroed: false)
        fft.forward(y, Y)
        fft.forward(zBuffer, Z)
        let h = blur.otf.floats, yf = Y.floats, zf = Z.floats
        power.withUnsafeBufferPointer { p in
            for k in 0 ..< fft.spectrumCount {
                let hr = h[2 * k], hi = h[2 * k + 1], yr = yf[2 * k], yi = yf[2 * k + 1]
                // conj(H)·Y + ρ Z, divided by |H|² + ρ
                let d = 1 / (p[k] + rho)
                yf[2 * k] = (hr * yr + hi * yi + rho * zf[2 * k]) * d
                yf[2 * k + 1] = (hr * yi - hi * yr + rho * zf[2 * k + 1]) * d
            }
        }
        fft.inverse(destroying: Y, zBuffer)
        x.pixels.withUnsafeMutableBufferPointer { xp in (xp.baseAddress! + c * n).update(from: zBuffer.pointer, count: n) }
    }
}
