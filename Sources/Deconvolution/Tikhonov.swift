import Blur
import Foundation
import ImageCore
import Spectral

/// Tikhonov-regularised least squares (constrained least squares) with an automatic λ.
///
/// Model: `y = h ∗ x + n`. Estimate: `x̂ = argmin ‖y − Hx‖² + λ‖Dx‖²`, solved in closed form in
/// the Fourier domain, `X = H* Y / (|H|² + λ|D|²)`, with `D` the gradient by default (MATLAB
/// `deconvreg` uses the Laplacian, available as `.laplacian`; on photographs the gradient's 1/f²
/// penalty restores better). When λ is not given it is chosen per channel by generalised cross-validation [1]:
/// `GCV(λ) = N·‖(I − A_λ)y‖² / tr(I − A_λ)²` with `A_λ = H(HᵀH + λDᵀD)⁻¹Hᵀ`, which is diagonal in
/// the Fourier domain, minimised over log₁₀ λ ∈ [−8, 1] (a grid of 91 points, then golden-section
/// refinement).
///
/// - Parameters:
///   - lambda: the regularisation weight; nil chooses it by GCV.
///   - regularizer: `D` (default gradient).
///
/// GCV assumes white noise and a Gaussian signal. On the built-in photos with `disk:5` it gives
/// the best linear restoration; with `motion:15,30` it sometimes under-regularises (`astronaut`,
/// `coffee`: about the blurred input's PSNR). Pass λ explicitly when that matters.
///   - border: border handling (default reflect).
/// - Returns: the restored image; values are not clipped.
/// - Throws: `DeconvolutionError` for a PSF larger than the image, a negative λ, or non-finite input.
///
/// [1] G. H. Golub, M. Heath, G. Wahba, "Generalized cross-validation as a method for choosing a
///     good ridge parameter", Technometrics 21(2), 1979.
public func tikhonov(_ blurred: Image, psf: PSF, lambda: Double? = nil, regularizer: Regularizer = .gradient,
                     border: BorderHandling = .reflect) throws -> Image {
    if let lambda, !(lambda >= 0 && lambda.isFinite) {
        throw DeconvolutionError.invalidParameter(name: "lambda", value: lambda, expected: "a finite number ≥ 0")
    }
    var d2: [Float]? = nil   // |D|² for GCV, computed once for all channels (same domain)
    return try deconvolvePerChannel(blurred, psf: psf, border: border) { plane, domain, blur in
        let y = try domain.embed(plane, psf: psf, blur: blur)
        let spectrum = ComplexBuffer(count: blur.fft.spectrumCount, zeroed: false)
        blur.fft.forward(y, spectrum)
        let weight = lambda ?? {
            if d2 == nil {
                d2 = regularizer.powerSpectrum(height: domain.height, width: domain.width) ?? [Float](repeating: 1, count: spectrum.count)
            }
            return gcvLambda(spectrum: spectrum, h2: blur.powerSpectrum(), d2: d2!, width: domain.width)
        }()
        applyFilter(spectrum, otf: blur.otf, regularizer: regularizer, width: domain.width, weight: Float(weight),
                    scale: 1 / Float(domain.count))
        blur.fft.inverseUnnormalized(destroying: spectrum, y)
        return y
    }
}

/// The λ minimising generalised cross-validation for the spectrum `Y` of a real image of the
/// given width (the half spectrum's interior columns count twice).
func gcvLambda(spectrum: ComplexBuffer, h2: [Float], d2: [Float], width: Int) -> Double {
    let cw = width / 2 + 1
    var weights = [Double](repeating: 0, count: spectrum.count)
    var y2 = [Double](repeating: 0, count: spectrum.count)
    for k in 0 ..< spectrum.count {
        let col = k % cw
        weights[k] = (col == 0 || (width % 2 == 0 && col == cw - 1)) ? 1 : 2
        let re = Double(spectrum.floats[2 * k]), im = Double(spectrum.floats[2 * k + 1])
        y2[k] = re * re + im * im
    }
    func gcv(_ logLambda: Double) -> Double {
        let lambda = pow(10, logLambda)
        var residual = 0.0, trace = 0.0
        for k in 0 ..< y2.count {
            let r = lambda * Double(d2[k])
            let denominator = Double(h2[k]) + r
            let oneMinusA = denominator > 0 ? r / denominator : 0
            residual += weights[k] * oneMinusA * oneMinusA * y2[k]
            trace += weights[k] * oneMinusA
        }
        return trace > 0 ? residual / (trace * trace) : .infinity
    }
    var best = -8.0, bestValue = Double.infinity
    for i in 0 ... 90 {
        let l = -8 + Double(i) * 0.1
        let v = gcv(l)
        if v < bestValue { bestValue = v; best = l }
    }
    var lo = best - 0.1, hi = best + 0.1
    let golden = (sqrt(5.0) - 1) / 2
    for _ in 0 ..< 30 {
        let a = hi - golden * (hi - lo), b = lo + golden * (hi - lo)
        if gcv(a) < gcv(b) { hi = b } else { lo = a }
    }
    return pow(10, (lo + hi) / 2)
}
