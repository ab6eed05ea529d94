import Blur
import ImageCore
import Spectral

/// Landweber iteration projected onto non-negative values.
///
/// Model: `y = h ∗ x + n`. Iteration: `x ← max(0, x + τ Hᵀ(y − Hx))`, a gradient descent on
/// `½‖y − Hx‖²`; it converges for 0 < τ < 2/‖H‖² (‖H‖ ≤ 1 for a normalised non-negative PSF, so
/// the default τ = 1 is safe). Starts from the observed image. Few iterations act as
/// regularisation; many approach the (noisy) least-squares solution.
/// - Throws: `DeconvolutionError` for iterations < 1, τ outside (0, 2), a PSF larger than the
///   image, or non-finite input.
///
/// [1] L. Landweber, "An iteration formula for Fredholm integral equations of the first kind",
///     Amer. J. Math. 73, 1951.
public func landweber(_ blurred: Image, psf: PSF, iterations: Int = 100, stepSize: Double = 1,
                      border: BorderHandling = .reflect) throws -> Image {
    try checkIterations(iterations)
    guard stepSize > 0, stepSize < 2 else {
        throw DeconvolutionError.invalidParameter(name: "step size", value: stepSize, expected: "between 0 and 2")
    }
    return try deconvolvePerChannel(blurred, psf: psf, border: border) { plane, domain, blur in
        let y = try domain.embed(plane, psf: psf, blur: blur)
        let mask = domain.regionMask()
        let n = domain.count
        let x = RealBuffer(count: n), residual = RealBuffer(count: n), step = RealBuffer(count: n)
        x.pointer.update(from: y.pointer, count: n)
        let tau = Float(stepSize)
        for k in 0 ..< iterations {
            IterationProgress.report(k + 1, of: iterations)
            blur.apply(x, into: residual)
            let r = residual.pointer, yp = y.pointer
            parallelRanges(n) { range in for i in range { r[i] = yp[i] - r[i] } }
            if let m = mask?.pointer { for i in 0 ..< n { r[i] *= m[i] } }
            blur.apply(residual, into: step, adjoint: true)
            let xp = x.pointer, s = step.pointer
            parallelRanges(n) { range in for i in range { xp[i] = max(0, xp[i] + tau * s[i]) } }
        }
        return x
    }
}
