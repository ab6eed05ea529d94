import Deconvolution
import Foundation
import ImageCore
import Spectral

/// The gray plane PSF estimators analyse, after the checks every estimator shares.
struct GrayPlane {
    let height: Int
    let width: Int
    var values: [Float]

    func image() -> Image { Image(channels: 1, height: height, width: width, pixels: values) }
}

/// Luma of `image`, validated: finite, at least `minimumSide` pixels each way, not flat.
/// - Throws: `PSFEstimationError.nonFiniteInput`, `.imageTooSmall`, `.flatImage`.
func validatedGray(_ image: Image, minimumSide: Int) throws -> GrayPlane {
    let bad = image.nonFiniteCount
    guard bad == 0 else { throw PSFEstimationError.nonFiniteInput(count: bad) }
    guard image.width >= minimumSide, image.height >= minimumSide else {
        throw PSFEstimationError.imageTooSmall(width: image.width, height: image.height, minimum: minimumSide)
    }
    let gray = try image.luma()
    var mean = 0.0
    for v in gray.pixels { mean += Double(v) }
    mean /= Double(gray.pixels.count)
    var variance = 0.0
    for v in gray.pixels { variance += (Double(v) - mean) * (Double(v) - mean) }
    variance /= Double(gray.pixels.count)
    // Below half an 8-bit step of standard deviation there is nothing to measure a blur from.
    guard variance.squareRoot() > 0.5 / 255 else { throw PSFEstimationError.flatImage }
    return GrayPlane(height: gray.height, width: gray.width, values: gray.pixels)
}

/// The central square of side min(h, w, `maxSide`) (even), where spectral analysis runs.
func centralSquare(_ plane: GrayPlane, maxSide: Int) -> GrayPlane {
    var side = min(plane.height, plane.width, maxSide)
    side -= side % 2
    let top = (plane.height - side) / 2, left = (plane.width - side) / 2
    var out = [Float](repeating: 0, count: side * side)
    for y in 0 ..< side {
        for x in 0 ..< side { out[y * side + x] = plane.values[(top + y) * plane.width + left + x] }
    }
    return GrayPlane(height: side, width: side, values: out)
}

/// The log-magnitude spectrum of a plane's periodic component, and its cepstrum.
///
/// The border of a photograph is not periodic, and the jump across it puts a bright cross in
/// the spectrum that hides the blur's zeros. Moisan's periodic-plus-smooth decomposition [1]
/// removes exactly that jump, without the spectral smearing of an apodisation window: the
/// smooth component `s` solves `Δs = v` (v = the differences across opposite borders), and
/// the periodic component `p = u − s` is what is analysed.
///
/// [1] L. Moisan, "Periodic plus smooth image decomposition", J. Math. Imaging Vision 39, 2011.
struct LogSpectrum {
    let height: Int
    let width: Int
    /// `log(|P̂(q, r)| + floor)` on the half spectrum, H × (W/2 + 1), row q, column r.
    let logMagnitude: [Double]
    /// |P̂|² on the half spectrum (unnormalised FFT).
    let power: [Double]
    /// Expected |N̂|² of the noise (σ̂² · H · W) for the estimated noise level σ̂.
    let noisePower: Double
    let noiseSigma: Double

    var complexWidth: Int { width / 2 + 1 }

    init(_ plane: GrayPlane) {
        let h = plane.height, w = plane.width, cw = w / 2 + 1
        height = h
        width = w
        let fft = RealFFT2D.plan(height: h, width: w)
        let u = RealBuffer(count: h * w, zeroed: false)
        var mean = 0.0
        for v in plane.values { mean += Double(v) }
        mean /= Double(h * w)
        for i in 0 ..< h * w { u.pointer[i] = plane.values[i] - Float(mean) }
        let v = RealBuffer(count: h * w)
        for x in 0 ..< w {
            let d = u.pointer[(h - 1) * w + x] - u.pointer[x]
            v.pointer[x] += d
            v.pointer[(h - 1) * w + x] -= d
        }
        for y in 0 ..< h {
            let d = u.pointer[y * w + w - 1] - u.pointer[y * w]
            v.pointer[y * w] += d
            v.pointer[y * w + w - 1] -= d
        }
        let uHat = ComplexBuffer(count: fft.spectrumCount), vHat = ComplexBuffer(count: fft.spectrumCount)
        fft.forward(u, uHat)
        fft.forward(v, vHat)
        let cy = (0 ..< h).map { 2 * cos(2 * Double.pi * Double($0) / Double(h)) }
        let cx = (0 ..< cw).map { 2 * cos(2 * Double.pi * Double($0) / Double(w)) }
        var power = [Double](repeating: 0, count: h * cw)
        for q in 0 ..< h {
            for r in 0 ..< cw {
                let k = q * cw + r
                let denominator = cy[q] + cx[r] - 4
                var re = Double(uHat.floats[2 * k]), im = Double(uHat.floats[2 * k + 1])
                if denominator < -1e-12 {
                    re -= Double(vHat.floats[2 * k]) / denominator
                    im -= Double(vHat.floats[2 * k + 1]) / denominator
                }
                power[k] = q == 0 && r == 0 ? 0 : re * re + im * im
            }
        }
        power[0] = power[1]   // the mean was removed; keep the DC term finite and unremarkable
        let sigma = max(estimateNoiseSigma(plane.image()), 0.3 / 255)
        noiseSigma = sigma
        noisePower = sigma * sigma * Double(h * w)
        // A floor far below the noise keeps log finite without filling the blur's zeros.
        let floor = 1e-3 * noisePower
        self.power = power
        logMagnitude = power.map { 0.5 * log($0 + floor) }
    }

    /// Signed frequency index of row q (−H/2 … H/2 − 1).
    func signedRow(_ q: Int) -> Int { q < (height + 1) / 2 ? q : q - height }

    /// Radial frequency in cycles per pixel of half-spectrum entry (q, r).
    func radius(_ q: Int, _ r: Int) -> Double {
        let fy = Double(signedRow(q)) / Double(height), fx = Double(r) / Double(width)
        return (fx * fx + fy * fy).squareRoot()
    }

    /// The real cepstrum `F⁻¹[log |P̂|]`, H × W, origin at (0, 0), wrapped.
    func cepstrum() -> [Double] {
        let fft = RealFFT2D.plan(height: height, width: width)
        let spectrum = ComplexBuffer(count: fft.spectrumCount)
        for k in 0 ..< logMagnitude.count { spectrum.floats[2 * k] = Float(logMagnitude[k]) }
        let out = RealBuffer(count: height * width, zeroed: false)
        fft.inverse(destroying: spectrum, out)   // normalised: includes the 1/(H·W)
        return (0 ..< height * width).map { Double(out.pointer[$0]) }
    }

    /// The cepstrum at non-integer displacements (`dx` columns, `dy` rows), evaluated exactly
    /// from the spectrum (band-limited interpolation): `c(p) = Re Σ log|P̂(f)| e^{2πi f·p} / (H·W)`.
    /// Returns values[iy][ix] for every pair. Separable: O(H·W/2 · |dx| + H · |dx| · |dy|).
    func cepstrum(atColumns dxs: [Double], rows dys: [Double]) -> [[Double]] {
        let cw = complexWidth
        let norm = Double(height * width)
        var out = [[Double]](repeating: [Double](repeating: 0, count: dxs.count), count: dys.count)
        for (ix, dx) in dxs.enumerated() {
            // B(q) = Σ_r weight(r) L(q, r) e^{2πi r dx / W}; weight 2 for the columns the half spectrum folds.
            var bRe = [Double](repeating: 0, count: height), bIm = [Double](repeating: 0, count: height)
            let cosR = (0 ..< cw).map { cos(2 * Double.pi * Double($0) * dx / Double(width)) }
            let sinR = (0 ..< cw).map { sin(2 * Double.pi * Double($0) * dx / Double(width)) }
            let weights = (0 ..< cw).map { r -> Double in r == 0 || (width % 2 == 0 && r == cw - 1) ? 1 : 2 }
            for q in 0 ..< height {
                var re = 0.0, im = 0.0
                let row = q * cw
                for r in 0 ..< cw {
                    let l = weights[r] * logMagnitude[row + r]
                    re += l * cosR[r]
                    im += l * sinR[r]
                }
                bRe[q] = re
                bIm[q] = im
            }
            for (iy, dy) in dys.enumerated() {
                var sum = 0.0
                for q in 0 ..< height {
                    let phase = 2 * Double.pi * Double(signedRow(q)) * dy / Double(height)
                    sum += bRe[q] * cos(phase) - bIm[q] * sin(phase)
                }
                out[iy][ix] = sum / norm
            }
        }
        return out
    }

    /// Mean of `values` (a half-spectrum array) over annuli of width `step` cycles/pixel,
    /// from 0 to 0.5; bins with no entries are NaN. Returns (centre frequencies, means).
    func radialMean(_ values: [Double], step: Double) -> (frequencies: [Double], means: [Double]) {
        let bins = Int((0.5 / step).rounded(.up))
        var sums = [Double](repeating: 0, count: bins), counts = [Double](repeating: 0, count: bins)
        let cw = complexWidth
        for q in 0 ..< height {
            for r in 0 ..< cw {
                let f = radius(q, r)
                let b = Int(f / step)
                guard b < bins else { continue }
                let weight: Double = r == 0 || (width % 2 == 0 && r == cw - 1) ? 1 : 2
                sums[b] += weight * values[q * cw + r]
                counts[b] += weight
            }
        }
        let freqs = (0 ..< bins).map { (Double($0) + 0.5) * step }
        let means = (0 ..< bins).map { counts[$0] > 0 ? sums[$0] / counts[$0] : .nan }
        return (freqs, means)
    }

    /// The highest radial frequency (cycles/pixel) at which the mean power (over rings 4 bins
    /// wide) is still above `factor` × the noise power: beyond it the blur's zeros drown in noise.
    /// Dips below the threshold at the blur's own zeros do not end the band; the last ring above does.
    func signalBandLimit(factor: Double = 2) -> Double {
        let (freqs, means) = radialMean(power, step: 4 / Double(min(height, width)))
        var limit = 0.05
        for (f, m) in zip(freqs, means) where f > 0.02 && m.isFinite && m > factor * noisePower { limit = f }
        return min(limit, 0.5)
    }
}

/// Pearson correlation of two equally long series (0 when either is constant).
func pearson(_ a: [Double], _ b: [Double]) -> Double {
    let n = Double(a.count)
    guard a.count == b.count, a.count > 1 else { return 0 }
    let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for i in 0 ..< a.count {
        let da = a[i] - ma, db = b[i] - mb
        sab += da * db; saa += da * da; sbb += db * db
    }
    return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
}
