import Blur
import Foundation
import ImageCore
import Spectral

/// The power law fitted to an image's own spectrum by `wienerSpectral`: S(f) = A·|f|^−α (FFT units:
/// unnormalised forward transform, f in cycles per pixel).
public struct SpectralPrior: Sendable, Equatable {
    public var amplitude: Double
    public var exponent: Double
    /// Frequency bins the fit used (at least 3, or the filter falls back to the scalar NSR).
    public var bins: Int
}

/// The textbook Wiener filter, with the signal's power spectrum estimated from the blurred image itself:
///
///     X̂(f) = H*(f) Y(f) / (|H(f)|² + c · N σ̂² / Ŝ(f)),   Ŝ(f) = A |f|^−α
///
/// Ŝ is fitted by least squares in log–log to the observation's power deconvolved for the blur,
/// (|Y|² − N σ̂²) / |H|², on 24 log-spaced radial bins (the median per bin), using only frequencies where
/// the blur passes the signal (|H|² ≥ 0.05) and the signal stands above the noise (|Y|² ≥ 3 N σ̂²);
/// α is kept within [1, 4] (natural images: ≈ 2). σ̂² is the robust noise estimate plus 8-bit
/// quantisation's 1/(12·255²); N the number of samples (the unnormalised FFT's noise power).
/// `scale` (c) multiplies the noise-to-signal ratio: 1 is the Wiener filter of the fitted model.
/// With fewer than 3 usable bins (a flat or tiny image) the scalar default NSR (`defaultNoiseToSignal`)
/// is used instead.
///
/// - Throws: `DeconvolutionError` for a PSF larger than the image, a scale ≤ 0 or non-finite input.
public func wienerSpectral(_ blurred: Image, psf: PSF, scale: Double = 1, border: BorderHandling = .reflect) throws -> Image {
    try wienerSpectralWithPriors(blurred, psf: psf, scale: scale, border: border).image
}

/// `wienerSpectral`, also returning each channel's fitted prior (nil where it fell back).
public func wienerSpectralWithPriors(_ blurred: Image, psf: PSF, scale: Double = 1,
                                     border: BorderHandling = .reflect) throws -> (image: Image, priors: [SpectralPrior?]) {
    guard scale > 0, scale.isFinite else {
        throw DeconvolutionError.invalidParameter(name: "scale", value: scale, expected: "a finite number > 0")
    }
    var priors: [SpectralPrior?] = []
    let image = try deconvolvePerChannel(blurred, psf: psf, border: border) { plane, domain, blur in
        let y = try domain.embed(plane, psf: psf, blur: blur)
        let spectrum = ComplexBuffer(count: blur.fft.spectrumCount, zeroed: false)
        blur.fft.forward(y, spectrum)
        let sigma = estimateNoiseSigma(plane.image())
        let noisePower = Double(domain.count) * (sigma * sigma + 1.0 / (12 * 255 * 255))
        let prior = fitSpectralPrior(spectrum, otf: blur.otf, height: domain.height, width: domain.width, noisePower: noisePower)
        priors.append(prior)
        if let prior {
            applySpectralFilter(spectrum, otf: blur.otf, height: domain.height, width: domain.width, prior: prior,
                                noisePower: noisePower * scale, scale: 1 / Float(domain.count))
        } else {
            applyFilter(spectrum, otf: blur.otf, regularizer: .identity, width: domain.width,
                        weight: Float(defaultNoiseToSignal(noiseSigma: sigma)), scale: 1 / Float(domain.count))
        }
        blur.fft.inverseUnnormalized(destroying: spectrum, y)
        return y
    }
    return (image, priors)
}

/// Radial frequency |f| (cycles per pixel) of half-spectrum entry (row r, column c) on an h×w grid.
@inline(__always) func radialFrequency(_ r: Int, _ c: Int, _ h: Int, _ w: Int) -> Double {
    let fu = Double(min(r, h - r)) / Double(h), fv = Double(c) / Double(w)
    return (fu * fu + fv * fv).squareRoot()
}

/// The least-squares line through (log|f|, median log Ŝ) of the usable bins; nil with fewer than 3.
func fitSpectralPrior(_ spectrum: ComplexBuffer, otf: ComplexBuffer, height h: Int, width w: Int, noisePower: Double) -> SpectralPrior? {
    let cw = w / 2 + 1, binCount = 24
    let low = log(2.0 / Double(min(h, w))), high = log(0.5)
    var bins = [[Double]](repeating: [], count: binCount)
    let s = spectrum.floats, o = otf.floats
    // On large grids the bins above |f| = 1/32 hold thousands of frequencies: every `stride`-th row and
    // column (4 on a 1200² grid, 1 below 600²) is plenty for their medians, and saves logarithms and sorting.
    let stride = max(1, min(h, w) / 300)
    for r in 0 ..< h {
        let sparseRow = r % stride != 0
        for c in 0 ..< cw {
            let f = radialFrequency(r, c, h, w)
            if f > 1.0 / 32, sparseRow || c % stride != 0 { continue }
            guard f > 0 else { continue }
            let position = (log(f) - low) / (high - low)
            guard position >= 0, position < 1 else { continue }
            let k = r * cw + c
            let gain = Double(o[2 * k] * o[2 * k] + o[2 * k + 1] * o[2 * k + 1])
            let power = Double(s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1])
            guard gain >= 0.05, power >= 3 * noisePower else { continue }
            bins[Int(position * Double(binCount))].append(log((power - noisePower) / gain))
        }
    }
    var xs: [Double] = [], ys: [Double] = [], weights: [Double] = []
    for (i, values) in bins.enumerated() where values.count >= 8 {
        let sorted = values.sorted()
        xs.append(low + (Double(i) + 0.5) / Double(binCount) * (high - low))
        ys.append(sorted[sorted.count / 2])
        weights.append(Double(values.count).squareRoot())
    }
    guard xs.count >= 3 else { return nil }
    let total = weights.reduce(0, +)
    let mx = zip(xs, weights).map { $0 * $1 }.reduce(0, +) / total
    let my = zip(ys, weights).map { $0 * $1 }.reduce(0, +) / total
    var sxy = 0.0, sxx = 0.0
    for i in xs.indices {
        sxy += weights[i] * (xs[i] - mx) * (ys[i] - my)
        sxx += weights[i] * (xs[i] - mx) * (xs[i] - mx)
    }
    guard sxx > 0 else { return nil }
    let exponent = min(4, max(1, -sxy / sxx))
    // Refit the amplitude with the clamped slope: log A = mean(log Ŝ + α log f).
    let logAmplitude = my + exponent * mx
    return SpectralPrior(amplitude: exp(logAmplitude), exponent: exponent, bins: xs.count)
}

/// `Y ← scale · H* Y / (|H|² + noisePower · |f|^α / A)` in place; the DC term (signal power unbounded
/// under the power law) is divided by |H(0)|² alone.
func applySpectralFilter(_ spectrum: ComplexBuffer, otf: ComplexBuffer, height h: Int, width w: Int, prior: SpectralPrior,
                         noisePower: Double, scale factor: Float) {
    let s = spectrum.floats, o = otf.floats, cw = w / 2 + 1
    // In Float: log2 of the ratio folded into one exp2 per frequency, |f|² from one term per row and column.
    let logRatio = Float(log2(noisePower / prior.amplitude)), halfAlpha = Float(prior.exponent / 2)
    let columnTerms = (0 ..< cw).map { Float($0) / Float(w) }
    parallelRanges(h, minimumChunk: max(1, (1 << 14) / cw)) { range in
        for r in range {
            let fu = Float(min(r, h - r)) / Float(h)
            for c in 0 ..< cw {
                let k = r * cw + c, fv = columnTerms[c]
                let f2 = fu * fu + fv * fv
                let nsr: Float = f2 > 0 ? exp2(logRatio + halfAlpha * log2(f2)) : 0
                let hr = o[2 * k], hi = o[2 * k + 1]
                let denominator = hr * hr + hi * hi + nsr
                let g: Float = denominator > 1e-20 ? factor / denominator : 0
                let yr = s[2 * k], yi = s[2 * k + 1]
                s[2 * k] = (hr * yr + hi * yi) * g
                s[2 * k + 1] = (hr * yi - hi * yr) * g
            }
        }
    }
}
