import Foundation
import ImageCore

/// Result of a parametric estimator: the parameters of one family and how sure it is.
struct ParametricFit {
    var length: Double? = nil
    var angle: Double? = nil
    var radius: Double? = nil
    var sigma: Double? = nil
    var confidence: Double
}

/// Spectral analysis runs on the central square of at most this side (pixels).
let spectralAnalysisSide = 512
/// Smallest image side the parametric estimators accept.
let minimumParametricSide = 32

// MARK: - Linear motion

/// Linear motion blur from the cepstrum.
///
/// A motion blur of length L along direction u multiplies the spectrum by a sinc whose zeros
/// repeat every 1/L along u, so `log|Y|` has a periodic ripple whose cepstrum `F⁻¹[log|Y|]` is
/// a sharp negative peak at displacement ±L·u [1, 2]. The image's own cepstrum is nearly
/// isotropic and concentrated near the origin, so it is removed by subtracting the cepstrum's
/// mean over each ring; the deepest remaining minimum at 2.5 ≤ |p| ≤ `maxLength` gives the
/// direction (angle, counter-clockwise from the horizontal, in [0, 180)) and the length |p|.
/// The peak is then located to 0.01 px by evaluating the cepstrum exactly between samples
/// (band-limited interpolation from the spectrum), which is what makes ±2° possible at short
/// lengths. This is the point form of the Radon analysis of the log spectrum: by the projection–
/// slice theorem, projecting `log|Y|` along the zero stripes is the cepstrum along the motion line.
///
/// Confidence: the peak's depth in robust standard deviations of the ring-corrected cepstrum
/// (z), mapped as `1 − exp(−(z − 3)/4)` (0 for z ≤ 3).
///
/// [1] J. Biemond, R. L. Lagendijk, R. M. Mersereau, "Iterative methods for image deblurring",
///     Proc. IEEE 78(5), 1990. [2] J. P. Oliveira, M. A. T. Figueiredo, J. M. Bioucas-Dias,
///     "Parametric blur estimation for blind restoration of natural images: linear motion and
///     out-of-focus", IEEE Trans. Image Processing 23(1), 2014.
func estimateMotionParameters(_ image: Image, maxLength: Double? = nil) throws -> ParametricFit {
    let plane = centralSquare(try validatedGray(image, minimumSide: minimumParametricSide), maxSide: spectralAnalysisSide)
    let spectrum = LogSpectrum(plane)
    let n = plane.height
    let c = spectrum.cepstrum()
    let rMax = min(maxLength ?? Double(n) / 3, Double(n) / 3)
    let ringCount = Int(rMax) + 4
    // Ring means (radius rounded to the nearest integer) for the isotropic baseline.
    var ringSum = [Double](repeating: 0, count: ringCount), ringN = [Double](repeating: 0, count: ringCount)
    let reach = Int(rMax) + 2
    for dy in -reach ... reach {
        for dx in -reach ... reach {
            let r = Int((Double(dx * dx + dy * dy)).squareRoot().rounded())
            guard r < ringCount else { continue }
            ringSum[r] += c[((dy + n) % n) * n + (dx + n) % n]
            ringN[r] += 1
        }
    }
    let ring = (0 ..< ringCount).map { ringN[$0] > 0 ? ringSum[$0] / ringN[$0] : 0 }
    // Ring standard deviations: near the origin the photograph's own anisotropy is strong, so a
    // minimum is judged against the spread of its own ring, not against the far field.
    var ringVar = [Double](repeating: 0, count: ringCount)
    for dy in -reach ... reach {
        for dx in -reach ... reach {
            let r = Int((Double(dx * dx + dy * dy)).squareRoot().rounded())
            guard r < ringCount else { continue }
            let d = c[((dy + n) % n) * n + (dx + n) % n] - ring[r]
            ringVar[r] += d * d
        }
    }
    let ringStd = (0 ..< ringCount).map { ringN[$0] > 1 ? max((ringVar[$0] / ringN[$0]).squareRoot(), 1e-12) : 1 }
    func baseline(_ r: Double) -> Double {
        let i = min(Int(r), ringCount - 2), t = r - Double(i)
        return (1 - t) * ring[i] + t * ring[i + 1]
    }
    func spread(_ r: Double) -> Double {
        let i = min(Int(r), ringCount - 2), t = r - Double(i)
        return (1 - t) * ringStd[i] + t * ringStd[i + 1]
    }
    // Ring-normalised cepstrum on the half plane of displacements.
    let side = 2 * Int(rMax) + 1
    var field = [Double](repeating: .infinity, count: side * (Int(rMax) + 1))
    var residuals: [Double] = []
    for dy in 0 ... Int(rMax) {
        for dx in -Int(rMax) ... Int(rMax) {
            if dy == 0 && dx <= 0 { continue }
            let r = Double(dx * dx + dy * dy).squareRoot()
            guard r >= 2.5, r <= rMax else { continue }
            let d = (c[(dy % n) * n + (dx + n) % n] - baseline(r)) / spread(r)
            residuals.append(d)
            field[dy * side + dx + Int(rMax)] = d
        }
    }
    guard residuals.count > 8 else { return ParametricFit(confidence: 0) }
    let median = residuals.sorted()[residuals.count / 2]
    let mad = residuals.map { abs($0 - median) }.sorted()[residuals.count / 2]
    // Local minima (8-neighbourhood), deepest first: the candidates.
    var minima: [(value: Double, dx: Int, dy: Int)] = []
    for dy in 0 ... Int(rMax) {
        for dx in -Int(rMax) ... Int(rMax) {
            let v = field[dy * side + dx + Int(rMax)]
            guard v.isFinite else { continue }
            var isMinimum = true
            for ny in max(0, dy - 1) ... min(Int(rMax), dy + 1) {
                for nx in max(-Int(rMax), dx - 1) ... min(Int(rMax), dx + 1) where !(nx == dx && ny == dy) {
                    if field[ny * side + nx + Int(rMax)] < v { isMinimum = false }
                }
            }
            if isMinimum { minima.append((v, dx, dy)) }
        }
    }
    minima.sort { $0.value < $1.value }
    guard !minima.isEmpty else { return ParametricFit(confidence: 0) }

    // Sub-pixel location of a candidate: exact cepstrum on ±1 px at 0.1, then ±0.1 px at 0.01.
    func refine(_ dx: Int, _ dy: Int) -> (x: Double, y: Double) {
        var px = Double(dx), py = Double(dy)
        for (span, step) in [(1.0, 0.1), (0.1, 0.01)] {
            let offsets = stride(from: -span, through: span + 1e-9, by: step).map { $0 }
            let xs = offsets.map { px + $0 }, ys = offsets.map { py + $0 }
            let grid = spectrum.cepstrum(atColumns: xs, rows: ys)
            var low = (value: Double.infinity, x: px, y: py)
            for (iy, y) in ys.enumerated() {
                for (ix, x) in xs.enumerated() {
                    let r = (x * x + y * y).squareRoot()
                    guard r >= 2 else { continue }
                    let v = (grid[iy][ix] - baseline(r)) / spread(r)
                    if v < low.value { low = (v, x, y) }
                }
            }
            px = low.x
            py = low.y
        }
        return (px, py)
    }
    func parameters(_ p: (x: Double, y: Double)) -> (length: Double, angle: Double) {
        var angle = atan2(-p.y, p.x) * 180 / Double.pi
        angle = angle.truncatingRemainder(dividingBy: 180)
        if angle < 0 { angle += 180 }
        if angle >= 179.995 { angle = 0 }
        return ((p.x * p.x + p.y * p.y).squareRoot(), angle)
    }
    // The deepest few minima are rescored by how well a motion blur of their length and angle
    // explains the power spectrum (`MotionSpectrumModel`): the cepstrum finds, the spectrum
    // decides. Short blurs (≲ 10 px) leave only one or two zero stripes in the band and a weak
    // cepstral peak, so a coarse grid of short lengths joins the candidates.
    let model = MotionSpectrumModel(spectrum)
    var candidates: [(error: Double, length: Double, angle: Double)] = []
    var depth = [Double]()
    for candidate in minima.prefix(5) {
        let (length, angle) = parameters(refine(candidate.dx, candidate.dy))
        candidates.append((model.error(length: length, angle: angle), length, angle))
        depth.append(candidate.value)
    }
    for length in stride(from: 3.0, through: min(12, rMax), by: 1) {
        for angle in stride(from: 0.0, to: 180, by: 4) {
            candidates.append((model.error(length: length, angle: angle), length, angle))
        }
    }
    // Every cepstral candidate and the best three of the grid are refined (a cepstral peak's
    // raw parameters can score worse than a grid point and still refine to the better fit).
    let cepstralCount = min(5, minima.count)
    let grid = candidates[cepstralCount...].sorted { $0.error < $1.error }
    var best = candidates.min { $0.error < $1.error }!
    for start in candidates.prefix(cepstralCount) + grid.prefix(3) {
        let refined = model.refine(length: start.length, angle: start.angle, maxLength: rMax)
        if refined.error < best.error { best = refined }
    }
    // Confidence: how far the model beats the no-blur (L = 1) explanation, and the cepstral depth.
    let noBlur = model.error(length: 1, angle: 0)
    let explained = noBlur > 0 ? max(0, 1 - best.error / noBlur) : 0
    let z = (median - (depth.min() ?? median)) / max(1.4826 * mad, 1e-12)
    let cepstral = z > 3 ? 1 - exp(-(z - 3) / 4) : 0
    return ParametricFit(length: best.length, angle: best.angle, confidence: min(1, explained * (0.5 + 0.5 * cepstral)))
}

/// The power spectrum (3×3 box-smoothed, over the band where the signal beats the noise) and
/// the mean squared log error of the linear-motion model `A f^{−α} sinc²(L f·u) + N` against it.
struct MotionSpectrumModel {
    var fx: [Double] = [], fy: [Double] = [], f: [Double] = [], logPower: [Double] = []
    var fit: EnvelopeFit
    let noisePower: Double

    init(_ spectrum: LogSpectrum) {
        noisePower = spectrum.noisePower
        let h = spectrum.height, w = spectrum.width, cw = spectrum.complexWidth
        let band = spectrum.signalBandLimit(factor: 2)
        let minimum = 3 / Double(min(h, w))
        for q in 0 ..< h {
            for r in 0 ..< cw {
                let radius = spectrum.radius(q, r)
                guard radius >= minimum, radius <= band else { continue }
                var sum = 0.0, count = 0.0
                for dq in -1 ... 1 {
                    for dr in -1 ... 1 {
                        let rr = r + dr
                        guard rr >= 0, rr < cw else { continue }
                        sum += spectrum.power[((q + dq + h) % h) * cw + rr]
                        count += 1
                    }
                }
                fx.append(Double(r) / Double(w))
                fy.append(Double(spectrum.signedRow(q)) / Double(h))
                f.append(radius)
                logPower.append(log(max(sum / count, 1e-30)))
            }
        }
        fit = EnvelopeFit(frequencies: f, observedLogPower: logPower, noisePower: noisePower)
    }

    /// Pattern search on (L, θ) with shrinking steps (0.5 px / 2° down to 0.02 px / 0.05°).
    func refine(length: Double, angle: Double, maxLength: Double) -> (error: Double, length: Double, angle: Double) {
        var current = (error: error(length: length, angle: angle), length: length, angle: angle)
        for (dl, da) in [(0.5, 2.0), (0.2, 0.8), (0.1, 0.3), (0.05, 0.1), (0.02, 0.05)] {
            for _ in 0 ..< 6 {
                var next = current
                for sl in [-1.0, 0, 1] {
                    for sa in [-1.0, 0, 1] where sl != 0 || sa != 0 {
                        let l = current.length + sl * dl
                        guard l >= 1.5, l <= maxLength else { continue }
                        let a = current.angle + sa * da
                        let e = error(length: l, angle: a)
                        if e < next.error { next = (e, l, a) }
                    }
                }
                if next.length == current.length && next.angle == current.angle { break }
                current = next
            }
        }
        var a = current.angle.truncatingRemainder(dividingBy: 180)
        if a < 0 { a += 180 }
        if a >= 179.995 { a = 0 }
        return (current.error, current.length, a)
    }

    func error(length: Double, angle: Double) -> Double {
        let theta = angle * Double.pi / 180
        let c = cos(theta), s = sin(theta)
        // Kernel along (cos θ, −sin θ) in (column, row) coordinates.
        let transfer = [Double](unsafeUninitializedCapacity: f.count) { out, initialised in
            fx.withUnsafeBufferPointer { x in
                fy.withUnsafeBufferPointer { y in
                    for i in 0 ..< x.count {
                        let v = sinc(length * (x[i] * c - y[i] * s))
                        out[i] = v * v
                    }
                }
            }
            initialised = f.count
        }
        return fit.error(transfer: transfer)
    }

}

// MARK: - Defocus

/// `sin(πx)/(πx)`.
func sinc(_ x: Double) -> Double {
    abs(x) < 1e-8 ? 1 : sin(Double.pi * x) / (Double.pi * x)
}

/// `2 J₁(x) / x`, the transfer function of a uniform disk (1 at x = 0).
func airy(_ x: Double) -> Double {
    abs(x) < 1e-8 ? 1 : 2 * j1(x) / x
}

/// Defocus (uniform disk) radius from the zero rings of the spectrum.
///
/// A disk of radius R has the transfer function `2 J₁(2πRf)/(2πRf)`, whose zeros are rings at
/// f ≈ 0.61/R, 1.12/R, 1.62/R, … cycles/pixel. The ring means of the power spectrum are
/// compared, over the band where the signal is above twice the noise power, with the model
/// `E(f)·|H_R(f)|² + σₙ²HW`: the photograph's own envelope `E = A f^{−α}` is fitted (least
/// squares in log, on the frequencies where |H_R|² > 0.1) for every candidate R from 0.5 px in
/// 0.02 px steps, the noise power comes from `estimateNoiseSigma`, and the R with the smallest
/// mean squared log error wins (refined by a parabola through its neighbours). Modelling the
/// noise floor is what lets the zeros count even where they are filled by noise.
/// Confidence: `1 − e_R / e_0`, the fraction of the log error of the best no-zero model
/// (R = 0.5) that the disk explains, clamped to [0, 1].
///
/// References: as `estimateMotionParameters` ([2] treats out-of-focus blur the same way).
func estimateDefocusParameters(_ image: Image, maxRadius: Double = 30) throws -> ParametricFit {
    let plane = centralSquare(try validatedGray(image, minimumSide: minimumParametricSide), maxSide: spectralAnalysisSide)
    let spectrum = LogSpectrum(plane)
    let n = Double(plane.height)
    let band = spectrum.signalBandLimit(factor: 2)
    let (freqs, means) = spectrum.radialMean(spectrum.power, step: 1 / n)
    var f: [Double] = [], observed: [Double] = []
    for (fi, m) in zip(freqs, means) where fi >= 1 / n && fi <= band && m.isFinite && m > 0 {
        f.append(fi)
        observed.append(log(m))
    }
    guard f.count >= 8 else { return ParametricFit(radius: nil, confidence: 0) }
    let upper = max(1, min(maxRadius, n / 8))
    let candidates = stride(from: 0.5, through: upper, by: 0.02).map { $0 }
    let fit = EnvelopeFit(frequencies: f, observedLogPower: observed, noisePower: spectrum.noisePower)
    let errors = candidates.map { radius -> Double in
        // The anti-aliased disk is the disk integrated over each pixel: × sinc(f) (radial average of the pixel box).
        let transfer = f.map { v -> Double in let a = airy(2 * Double.pi * radius * v) * sinc(v); return a * a }
        return fit.error(transfer: transfer)
    }
    guard let bestIndex = errors.indices.min(by: { errors[$0] < errors[$1] }) else { return ParametricFit(confidence: 0) }
    var radius = candidates[bestIndex]
    if bestIndex > 0 && bestIndex < candidates.count - 1 {
        let a = errors[bestIndex - 1], b = errors[bestIndex], c = errors[bestIndex + 1]
        let d = a - 2 * b + c
        if d > 0 { radius += 0.02 * max(-0.5, min(0.5, 0.5 * (a - c) / d)) }
    }
    let confidence = errors[0] > 0 ? 1 - errors[bestIndex] / errors[0] : 0
    return ParametricFit(radius: radius, confidence: max(0, min(1, confidence)))
}

/// Observed log power at a set of frequencies, prepared for `error(transfer:)`.
struct EnvelopeFit {
    let count: Int
    let logFrequency: [Double]
    let logPower: [Double]
    /// log(P − N) where the power exceeds the noise, else −∞.
    let logSignal: [Double]
    let noisePower: Double

    init(frequencies f: [Double], observedLogPower y: [Double], noisePower: Double) {
        count = f.count
        logFrequency = f.map { log($0) }
        logPower = y
        logSignal = y.map { let s = exp($0) - noisePower; return s > 0 ? log(s) : -.infinity }
        self.noisePower = noisePower
    }

    /// Mean squared log error of the power model `A f^{−α} T(f) + N` against the observed log
    /// power, with log A and α fitted by least squares (in log) on the frequencies where T > 0.1
    /// and the power exceeds the noise (where the model's log is nearly linear in them);
    /// T = |H|² is the candidate's transfer power, N the noise power. ∞ if fewer than 3 such points.
    func error(transfer: [Double]) -> Double {
        precondition(transfer.count == count, "transfer has \(transfer.count) values for \(count) frequencies")
        return logFrequency.withUnsafeBufferPointer { lf in
            logPower.withUnsafeBufferPointer { y in
                logSignal.withUnsafeBufferPointer { ls in
                    transfer.withUnsafeBufferPointer { t in
                        // Normal equations of target = a + b·(−log f).
                        var n = 0.0, sx = 0.0, sxx = 0.0, sy = 0.0, sxy = 0.0
                        for i in 0 ..< count where t[i] > 0.1 && ls[i] > -.infinity {
                            let x = -lf[i], target = ls[i] - log(t[i])
                            n += 1; sx += x; sxx += x * x; sy += target; sxy += x * target
                        }
                        let det = n * sxx - sx * sx
                        guard n >= 3, abs(det) > 1e-12 else { return .infinity }
                        let b = (n * sxy - sx * sy) / det, a = (sy - b * sx) / n
                        var sse = 0.0
                        for i in 0 ..< count {
                            let model = log(exp(a - b * lf[i]) * t[i] + noisePower)
                            sse += (y[i] - model) * (y[i] - model)
                        }
                        return sse / Double(count)
                    }
                }
            }
        }
    }
}

// MARK: - Gaussian

/// Gaussian blur σ from the decay of the power spectrum.
///
/// For `y = g_σ ∗ x + n`, `E|Y(f)|² = |X(f)|² e^{−4π²σ²f²} + σₙ²·H·W`, and a photograph's
/// power falls as a power law `A f^{−α}`. So over the band where the signal dominates, the
/// radial mean of `log(|Y|² − σₙ²HW)` is linear in (1, log f, f²): `log A − α log f − 4π²σ² f²`.
/// A least-squares fit gives σ² from the f² coefficient. The noise level σₙ comes from
/// `estimateNoiseSigma` (median Haar detail). This is the spectral form of the re-blur
/// principle: re-blurring by g_s multiplies the spectrum by a known `e^{−2π²s²f²}`, and the
/// unknown blur is the one whose curvature in f² the photograph's straight power law cannot explain.
/// Confidence: the fit's R² times how much of [0, 0.5] the band covers relative to the blur's
/// e-folding frequency (clamped to [0, 1]).
func estimateGaussianParameters(_ image: Image) throws -> ParametricFit {
    let plane = centralSquare(try validatedGray(image, minimumSide: minimumParametricSide), maxSide: spectralAnalysisSide)
    let spectrum = LogSpectrum(plane)
    let n = Double(plane.height)
    let (freqs, means) = spectrum.radialMean(spectrum.power, step: 1 / n)
    var f: [Double] = [], y: [Double] = []
    for (fi, m) in zip(freqs, means) where fi >= 4 / n && m.isFinite {
        let signal = m - spectrum.noisePower
        guard signal > 2 * spectrum.noisePower else { break }
        f.append(fi)
        y.append(log(signal))
    }
    guard f.count >= 6 else { return ParametricFit(sigma: nil, confidence: 0) }
    let columns = [f.map { _ in 1.0 }, f.map { log($0) }, f.map { $0 * $0 }]
    guard let coef = leastSquares(columns: columns, target: y) else { return ParametricFit(confidence: 0) }
    let sigma2 = -coef[2] / (4 * Double.pi * Double.pi)
    let sigma = sigma2 > 0 ? sigma2.squareRoot() : 0
    let fitted = (0 ..< y.count).map { coef[0] + coef[1] * columns[1][$0] + coef[2] * columns[2][$0] }
    let mean = y.reduce(0, +) / Double(y.count)
    var ssRes = 0.0, ssTot = 0.0
    for i in 0 ..< y.count { ssRes += (y[i] - fitted[i]) * (y[i] - fitted[i]); ssTot += (y[i] - mean) * (y[i] - mean) }
    let r2 = ssTot > 0 ? max(0, 1 - ssRes / ssTot) : 0
    // The curvature is only measurable if the band reaches where the blur bends the spectrum.
    let bend = sigma > 0 ? min(1, (f.last! * 2 * Double.pi * sigma) / 1.5) : 0
    return ParametricFit(sigma: sigma, confidence: max(0, min(1, r2 * bend)))
}
