import Blur
import Foundation
import ImageCore
import Spectral

/// Settings of hyper-Laplacian deconvolution (Krishnan & Fergus 2009).
public struct HyperLaplacianOptions: Sendable, Equatable {
    /// Exponent α of the gradient prior Σ|∇x|^α, 0 < α ≤ 2 (natural images: 0.5–0.8; paper: 2/3).
    public var alpha = 2.0 / 3
    /// Data weight λ; nil: `kappa / σ̂²` with σ̂ the robust noise estimate (at least 1/255).
    public var lambda: Double? = nil
    /// κ of the automatic λ = κ / σ̂². 0.2 gives the paper's λ = 2000 at 1 % noise.
    public var kappa = 0.2
    /// β continuation: from `betaStart`, times `betaRate`, while ≤ `betaMax` (paper: 1, 2√2, 256).
    public var betaStart = 1.0
    public var betaRate = 2 * 2.0.squareRoot()
    public var betaMax = 256.0
    public init() {}

    /// The β of each outer iteration.
    public var betas: [Double] {
        var out: [Double] = [], b = betaStart
        while b <= betaMax * (1 + 1e-12) { out.append(b); b *= betaRate }
        return out
    }
}

/// Non-blind deconvolution with a hyper-Laplacian gradient prior, by half-quadratic splitting
/// (D. Krishnan, R. Fergus, "Fast image deconvolution using hyper-Laplacian priors", NIPS 2009):
///
///     min_x  λ/2 ‖h ∗ x − y‖² + Σ_pixels |∂ₓx|^α + |∂ᵧx|^α
///     for β = 1, 2√2, 8, … ≤ 256:
///       w ← argmin |w|^α + β/2 (w − ∇x)²          per pixel and direction (a look-up table per β)
///       x ← (λ Hᴴ Y + β Dᴴ W) / (λ |H|² + β |D|²)   closed form on the FFT grid
///
/// with forward differences ∂ₓ, ∂ᵧ. Borders as the plug-and-play loop (`BoundaryGrid`): the unknown
/// image lives on a grid larger than the observation by the PSF's size, and before each x-step the
/// unobserved part is refilled with the re-blurred estimate, so nothing circular touches the
/// observed pixels. The w-step's table holds the exact minimiser (`hyperLaplacianShrink`) on |v| ≤ 1
/// at 1e-4 spacing, linearly interpolated except across the jump at the threshold; larger |v| and the
/// interval holding the jump are solved exactly.
///
/// - Throws: `DeconvolutionError` for α ∉ (0, 2], λ or κ ≤ 0, a bad β schedule, a PSF larger than the
///   image or non-finite input.
public func hyperLaplacian(_ blurred: Image, psf: PSF, options: HyperLaplacianOptions = HyperLaplacianOptions()) throws -> Image {
    guard options.alpha > 0, options.alpha <= 2, options.alpha.isFinite else {
        throw DeconvolutionError.invalidParameter(name: "alpha", value: options.alpha, expected: "a number in (0, 2]")
    }
    if let l = options.lambda, !(l > 0 && l.isFinite) {
        throw DeconvolutionError.invalidParameter(name: "lambda", value: l, expected: "a finite number > 0")
    }
    guard options.kappa > 0, options.kappa.isFinite else {
        throw DeconvolutionError.invalidParameter(name: "kappa", value: options.kappa, expected: "a finite number > 0")
    }
    guard options.betaStart > 0, options.betaRate > 1, options.betaMax >= options.betaStart,
          [options.betaStart, options.betaRate, options.betaMax].allSatisfy(\.isFinite) else {
        throw DeconvolutionError.invalidParameter(name: "beta schedule", value: options.betaRate,
                                                  expected: "start > 0, rate > 1, max ≥ start, all finite")
    }
    guard psf.height <= blurred.height, psf.width <= blurred.width else {
        throw DeconvolutionError.psfLargerThanImage(psfWidth: psf.width, psfHeight: psf.height, width: blurred.width, height: blurred.height)
    }
    let bad = blurred.nonFiniteCount
    guard bad == 0 else { throw DeconvolutionError.nonFiniteInput(count: bad) }

    let sigma = max(estimateNoiseSigma(blurred), PlugAndPlayOptions.noiseFloor)
    let lambda = options.lambda ?? options.kappa / (sigma * sigma)
    let grid = BoundaryGrid(imageHeight: blurred.height, imageWidth: blurred.width, psf: psf)
    let blur = try CirculantBlur(psf: psf, height: grid.height, width: grid.width)
    let step = GradientPriorStep(blur: blur, height: grid.height, width: grid.width)
    var x = grid.mirrorPadded(blurred)
    for (k, beta) in options.betas.enumerated() {
        IterationProgress.report(k + 1, of: options.betas.count)
        let table = ShrinkageTable(alpha: options.alpha, beta: beta)
        let refilled = (0 ..< blurred.channels).map { grid.boundaryAdjusted(blurred, channel: $0, estimate: x, blur: blur) }
        for c in 0 ..< blurred.channels {
            step.solve(observation: refilled[c], estimate: &x, channel: c, shrink: table, weight: Float(beta / lambda))
        }
    }
    return grid.crop(x)
}

/// The exact w-step: argmin over w of |w|^α + β/2 (w − v)².
///
/// The minimiser has v's sign and |w| ≤ |v| (take v > 0). Its non-zero candidate is a root of the
/// stationarity condition g(w) = β(w − v) + α w^(α−1):
/// - 0 < α < 1: g is convex on w > 0 with its minimum at w₀ = (α(1 − α)/β)^(1/(2−α)); if g(w₀) > 0 (or
///   w₀ ≥ v) there is no root and w = 0; otherwise the larger root lies in [w₀, v] (g(w₀) ≤ 0 < g(v)),
///   and the minimiser is that root or 0, whichever has the lower energy;
/// - α = 1: soft thresholding, max(v − 1/β, 0);
/// - 1 < α ≤ 2: g increases from −βv at 0 to g(v) > 0, one root in (0, v).
/// Roots are found by Newton steps kept inside the bracket (bisection when a step leaves it), to 1e-13.
public func hyperLaplacianShrink(_ v: Double, alpha: Double, beta: Double) -> Double {
    let a = abs(v)
    guard a > 0 else { return 0 }
    let sign: Double = v < 0 ? -1 : 1
    if alpha == 1 { return max(a - 1 / beta, 0) * sign }
    func g(_ w: Double) -> Double { beta * (w - a) + alpha * pow(w, alpha - 1) }
    func dg(_ w: Double) -> Double { beta + alpha * (alpha - 1) * pow(w, alpha - 2) }
    var lo: Double, hi = a
    if alpha < 1 {
        let w0 = pow(alpha * (1 - alpha) / beta, 1 / (2 - alpha))
        guard w0 < a, g(w0) <= 0 else { return 0 }
        lo = w0
    } else {
        lo = 0
    }
    var w = hi
    for _ in 0 ..< 100 {
        let gw = g(w)
        if gw > 0 { hi = w } else { lo = w }
        var next = w - gw / dg(w)
        if !(next > lo && next < hi) { next = (lo + hi) / 2 }
        if abs(next - w) <= 1e-13 * max(1, w) { w = next; break }
        w = next
    }
    if alpha < 1, pow(w, alpha) + beta / 2 * (w - a) * (w - a) >= beta / 2 * a * a { return 0 }
    return sign * w
}

/// The w-step as a table of the exact minimiser for |v| ≤ 1 at 1e-4 spacing (odd symmetry), linearly
/// interpolated; |v| > 1 is solved exactly.
struct ShrinkageTable {
    static let count = 10_001
    let values: [Float]
    let alpha: Double, beta: Double

    init(alpha: Double, beta: Double) {
        self.alpha = alpha
        self.beta = beta
        let n = Self.count
        values = (0 ..< n).map { Float(hyperLaplacianShrink(Double($0) / Double(n - 1), alpha: alpha, beta: beta)) }
    }

    @inline(__always)
    func callAsFunction(_ v: Float) -> Float {
        let a = abs(v)
        if a >= 1 { return Float(hyperLaplacianShrink(Double(v), alpha: alpha, beta: beta)) }
        let t = a * Float(Self.count - 1)
        let i = Int(t), f = t - Float(i)
        let lower = values[i], upper = values[min(i + 1, Self.count - 1)]
        // The minimiser jumps from 0 at the threshold (α < 1): never interpolate across the jump.
        if lower == 0 && upper != 0 { return Float(hyperLaplacianShrink(Double(v), alpha: alpha, beta: beta)) }
        let w = lower + f * (upper - lower)
        return v < 0 ? -w : w
    }
}

/// The x-step on the grid with forward differences: X = (Hᴴ Y + ρ F[Dₓᵀwₓ + Dᵧᵀwᵧ]) / (|H|² + ρ (|Dₓ|² + |Dᵧ|²)).
struct GradientPriorStep {
    let blur: CirculantBlur
    let height: Int, width: Int
    let power: [Float]
    let gradientPower: [Float]
    /// Scratch spectra of the x-step, allocated once per solve.
    private let observationSpectrum: ComplexBuffer, priorSpectrum: ComplexBuffer

    init(blur: CirculantBlur, height: Int, width: Int) {
        self.blur = blur
        self.height = height
        self.width = width
        observationSpectrum = ComplexBuffer(count: blur.fft.spectrumCount, zeroed: false)
        priorSpectrum = ComplexBuffer(count: blur.fft.spectrumCount, zeroed: false)
        power = blur.powerSpectrum()
        let half = width / 2 + 1
        var g = [Float](repeating: 0, count: height * half)
        for r in 0 ..< height {
            let dy = 2 - 2 * cos(2 * Double.pi * Double(r) / Double(height))
            for c in 0 ..< half {
                g[r * half + c] = Float(dy + 2 - 2 * cos(2 * Double.pi * Double(c) / Double(width)))
            }
        }
        gradientPower = g
    }

    /// One w-step and x-step for channel `c` of `x` (a grid-sized image), in place.
    func solve(observation y: RealBuffer, estimate x: inout Image, channel c: Int, shrink: ShrinkageTable, weight rho: Float) {
        let h = height, w = width, n = h * w
        let prior = RealBuffer(count: n, zeroed: false)
        x.pixels.withUnsafeBufferPointer { xs in
            let p = xs.baseAddress! + c * n, q = prior.pointer
            // q = Dₓᵀ shrink(Dₓ x) + Dᵧᵀ shrink(Dᵧ x), circular forward differences; Dᵀw(i) = w(i − 1) − w(i).
            q.initialize(repeating: 0, count: n)
            for r in 0 ..< h {
                let row = p + r * w, down = p + ((r + 1) % h) * w
                for col in 0 ..< w {
                    let gx = shrink(row[(col + 1) % w] - row[col])
                    let gy = shrink(down[col] - row[col])
                    q[r * w + col] -= gx + gy
                    q[r * w + (col + 1) % w] += gx
                    q[((r + 1) % h) * w + col] += gy
                }
            }
        }
        solve(observation: y, prior: prior, weight: rho, into: prior)
        x.pixels.withUnsafeMutableBufferPointer { xp in (xp.baseAddress! + c * n).update(from: prior.pointer, count: n) }
    }

    /// The x-step for a given prior term q = Dₓᵀwₓ + Dᵧᵀwᵧ: writes (Hᴴ Y + ρ Q) / (|H|² + ρ |D|²), back in
    /// the image domain, into `out` (which may be `q` itself). With `spectrum`, the result's spectrum divided
    /// by H·W is kept there too, so the next re-blur needs no forward FFT (`CirculantBlur.apply(scaledSpectrum:)`).
    func solve(observation y: RealBuffer, prior: RealBuffer, weight rho: Float, into out: RealBuffer, spectrum: ComplexBuffer? = nil) {
        let fft = blur.fft, count = fft.spectrumCount
        let Y = observationSpectrum
        fft.forward(y, Y)
        fft.forward(prior, priorSpectrum)
        let otf = blur.otf.floats, yf = Y.floats, pf = priorSpectrum.floats, scale = 1 / Float(fft.realCount)
        power.withUnsafeBufferPointer { power in gradientPower.withUnsafeBufferPointer { gradientPower in
            parallelRanges(count) { range in
                for k in range {
                    let hr = otf[2 &* k], hi = otf[2 &* k &+ 1], yr = yf[2 &* k], yi = yf[2 &* k &+ 1]
                    let d = scale / (power[k] + rho * gradientPower[k])
                    yf[2 &* k] = (hr * yr + hi * yi + rho * pf[2 &* k]) * d
                    yf[2 &* k &+ 1] = (hr * yi - hi * yr + rho * pf[2 &* k &+ 1]) * d
                }
            }
        } }
        spectrum?.floats.update(from: yf, count: 2 * count)
        fft.inverseUnnormalized(destroying: Y, out)
    }
}
