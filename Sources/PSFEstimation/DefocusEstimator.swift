import Foundation
import ImageCore

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
/// `E(f)·|H_R(f)|² + σₙ²HW`: the photograph's own envelope `E = A f^{−α}` (or, when its zeros are
/// in view, `A f^{−α} e^{β(log f)²}`, β ≤ 0 — see the code) is fitted (least squares in log, on
/// the frequencies where |H_R|² > 0.1) for every candidate R from 0.5 px in 0.02 px steps, the
/// noise power comes from `estimateNoiseSigma`, and the R with the smallest mean Huber log error
/// wins (refined by a parabola through its neighbours). Modelling the noise floor is what lets
/// the zeros count even where they are filled by noise.
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
    var plain: [Double] = [], steepening: [Double] = []
    for radius in candidates {
        // The anti-aliased disk is the disk integrated over each pixel: × sinc(f) (radial average of the pixel box).
        let transfer = f.map { v -> Double in let a = airy(2 * Double.pi * radius * v) * sinc(v); return a * a }
        plain.append(fit.error(transfer: transfer))
        steepening.append(fit.error(transfer: transfer, steepening: true))
    }
    func best(_ errors: [Double]) -> (radius: Double, confidence: Double)? {
        guard let i = errors.indices.min(by: { errors[$0] < errors[$1] }), errors[i].isFinite else { return nil }
        var radius = candidates[i]
        if i > 0 && i < candidates.count - 1 {
            let a = errors[i - 1], b = errors[i], c = errors[i + 1]
            let d = a - 2 * b + c
            if d > 0 { radius += 0.02 * max(-0.5, min(0.5, 0.5 * (a - c) / d)) }
        }
        let confidence = errors[0] > 0 ? 1 - errors[i] / errors[0] : 0
        return (radius, max(0, min(1, confidence)))
    }
    // A photograph's envelope is seldom a pure power law: its own optics, demosaicing and JPEG
    // steepen it towards high frequencies, and a power law then reads part of that as blur (or the
    // blur as less). The steepening envelope is trusted when the radius it finds has its first zero
    // (f = 0.61/R) in view — within 1.25 × the band; without a zero in view, a curved envelope and a
    // small disk's main lobe cannot be told apart, and the power law decides. Measured on the
    // defocus sweep of `deblur psf-study` (21 main + 12 noise cases): 17 → 21 and 11 → 11 at seed 0,
    // 16 → 17 and 11 → 10 at seed 1, 18 → 20 and 9 → 10 at seed 2.
    guard let power = best(plain) else { return ParametricFit(radius: nil, confidence: 0) }
    if let curved = best(steepening), curved.radius > 0.6, 0.61 / curved.radius <= 1.25 * band {
        return ParametricFit(radius: curved.radius, confidence: curved.confidence)
    }
    return ParametricFit(radius: power.radius, confidence: power.confidence)
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

    /// Squared error up to 0.5 in log power (a factor 1.6), linear beyond. A photograph's spectrum
    /// has peaks no envelope follows (street lamps, a brick lattice, JPEG blocks); squared, they
    /// pulled motion fits to the wrong length. Measured on the motion sweep of `deblur psf-study`:
    /// 75.0% → 78.6% of cases within target, defocus unchanged.
    @inline(__always) static func huber(_ d: Double) -> Double {
        let delta = 0.5, m = abs(d)
        return m <= delta ? d * d : delta * (2 * m - delta)
    }

    /// Mean Huber loss (`huber`) of the log error of the power model `A f^{−α} T(f) + N` against
    /// the observed log power, with log A and α fitted by least squares (in log) on the frequencies where T > 0.1
    /// and the power exceeds the noise (where the model's log is nearly linear in them);
    /// T = |H|² is the candidate's transfer power, N the noise power. ∞ if fewer than 3 such points.
    ///
    /// With `steepening`, the envelope is `A f^{−α} e^{β (log f)²}` with β ≤ 0 fitted as well (a
    /// log-log envelope that may bend down towards high frequencies; where the fit wants β > 0 the
    /// power law is used).
    func error(transfer: [Double], steepening: Bool = false) -> Double {
        precondition(transfer.count == count, "transfer has \(transfer.count) values for \(count) frequencies")
        if steepening, let loss = curvedError(transfer: transfer) { return loss }
        return logFrequency.withUnsafeBufferPointer { lf in
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
                    return meanLoss(transfer: transfer) { i in a - b * lf[i] }
                }
            }
        }
    }

    /// Mean Huber loss of the log error of `exp(logEnvelope(i)) · T + N` against the observed log power.
    @inline(__always) private func meanLoss(transfer: [Double], logEnvelope: (Int) -> Double) -> Double {
        var loss = 0.0
        for i in 0 ..< count {
            loss += EnvelopeFit.huber(logPower[i] - log(exp(logEnvelope(i)) * transfer[i] + noisePower))
        }
        return loss / Double(count)
    }

    /// The loss with envelope `log E = a + α x + β x²` (x = −log f), or nil when the fit wants
    /// β > 0 (an envelope flattening towards high frequencies) or is singular.
    private func curvedError(transfer: [Double]) -> Double? {
        // Normal equations of target = a + α x + β x² on the frequencies where T > 0.1:
        // sums of x⁰…x⁴ and of x⁰…x² · target.
        var xPower = [Double](repeating: 0, count: 5), xTarget = [Double](repeating: 0, count: 3)
        for i in 0 ..< count where transfer[i] > 0.1 && logSignal[i] > -.infinity {
            let x = -logFrequency[i], target = logSignal[i] - log(transfer[i])
            var power = 1.0
            for j in 0 ..< 5 {
                xPower[j] += power
                if j < 3 { xTarget[j] += power * target }
                power *= x
            }
        }
        let m: [[Double]] = (0 ..< 3).map { (row: Int) -> [Double] in
            [xPower[row], xPower[row + 1], xPower[row + 2], xTarget[row]]
        }
        guard xPower[0] >= 4, let p = solveLinearSystem(m), p[2] <= 0 else { return nil }
        return meanLoss(transfer: transfer) { i in
            let x = -logFrequency[i]
            return p[0] + p[1] * x + p[2] * x * x
        }
    }

    /// Orientation sectors of `anisotropicError` (15° each).
    static let orientationSectors = 12

    /// `error(transfer:)` with an envelope `A_k f^{−α} T(f) + N` whose amplitude depends on the
    /// orientation sector k of the frequency (`sector[i]` in 0 ..< `orientationSectors`):
    /// log A_k = a + o_k, with a, α and the offsets o_k fitted by least squares (in log, on the
    /// frequencies where T > 0.1 and the power exceeds the noise) under a ridge penalty
    /// `(n / K) Σ o_k²` that pulls sectors with few points back to the common amplitude.
    /// A photograph's spectrum is anisotropic (its edges have directions), and an isotropic
    /// envelope lets the blur's main lobe absorb the difference along the motion direction.
    func anisotropicError(transfer: [Double], sector: [Int]) -> Double {
        precondition(transfer.count == count && sector.count == count, "one transfer value and one sector per frequency")
        let k = EnvelopeFit.orientationSectors
        // Per-sector sums of the normal equations of target = a + o_s + α·(−log f).
        var n = [Double](repeating: 0, count: k), sx = n, sxx = n, sy = n, sxy = n
        for i in 0 ..< count where transfer[i] > 0.1 && logSignal[i] > -.infinity {
            let x = -logFrequency[i], target = logSignal[i] - log(transfer[i]), s = sector[i]
            n[s] += 1; sx[s] += x; sxx[s] += x * x; sy[s] += target; sxy[s] += x * target
        }
        let total = n.reduce(0, +)
        guard total >= 3 else { return .infinity }
        // Unknowns (a, α, o_0 … o_{K−1}); ridge λ = total / K on the offsets.
        let p = k + 2, ridge = total / Double(k)
        var m = [[Double]](repeating: [Double](repeating: 0, count: p + 1), count: p)
        m[0][0] = total; m[0][1] = sx.reduce(0, +); m[1][1] = sxx.reduce(0, +)
        m[0][p] = sy.reduce(0, +); m[1][p] = sxy.reduce(0, +)
        for s in 0 ..< k {
            m[0][2 + s] = n[s]; m[1][2 + s] = sx[s]
            m[2 + s][2 + s] = n[s] + ridge
            m[2 + s][p] = sy[s]
        }
        m[1][0] = m[0][1]
        for s in 0 ..< k { m[2 + s][0] = m[0][2 + s]; m[2 + s][1] = m[1][2 + s] }
        guard let solution = solveLinearSystem(m) else { return .infinity }
        let a = solution[0], alpha = solution[1]
        return meanLoss(transfer: transfer) { i in a + solution[2 + sector[i]] - alpha * logFrequency[i] }
    }
}
