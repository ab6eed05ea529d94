import Blur
import Foundation
import ImageCore
import Spectral

/// Settings of isotropic total-variation deconvolution by ADMM.
public struct TVADMMOptions: Sendable, Equatable {
    /// Data weight λ; nil: `kappa / σ̂²` with σ̂ the robust noise estimate (at least 1/255).
    public var lambda: Double? = nil
    /// κ of the automatic λ = κ / σ̂²: 0.1, the best of 0.1, 0.2, 0.4 on 36 training-split cases
    /// (`scripts/calibrate/tv_admm_kappa.py`: 31.33 dB against 30.55 at the hyper-Laplacian rule's 0.2
    /// and 28.33 at 0.4; a first pass with fixed λ = κ·10⁴ over 0.01–0.2 also peaked at 0.1).
    public var kappa = 0.1
    /// Most ADMM iterations (per channel); the loop stops earlier when both residuals are below `tolerance`.
    public var iterations = 60
    /// Relative primal and dual residual at which the loop stops (Boyd et al. 2011, §3.3.1).
    public var tolerance = 1e-3
    /// Starting penalty ρ as a fraction of λ (then balanced every 5 iterations: Boyd et al. §3.4.1).
    public var rhoFraction = 0.01
    public init() {}
}

/// Non-blind deconvolution with an isotropic total-variation prior, solved exactly by ADMM
/// (Wang, Yang, Yin & Zhang 2008, FTVd; Boyd et al. 2011 for the splitting):
///
///     min_x  λ/2 ‖h ∗ x − y‖² + Σ_pixels ‖∇x‖₂          (∇ = forward differences)
///     split z = ∇x, scaled dual u:
///       x ← (λ Hᴴ Y + ρ Dᴴ F[z − u]) / (λ |H|² + ρ |D|²)     closed form on the FFT grid
///       z ← shrink(∇x + u, 1/ρ)                              per pixel: v · max(0, 1 − 1/(ρ‖v‖))
///       u ← u + ∇x − z
///
/// Unlike half-quadratic splitting with a growing β (hyper-Laplacian, FTVd's original scheme), ADMM
/// converges to the minimiser of this objective for any fixed ρ; ρ is only rebalanced between the
/// primal and dual residuals for speed. Borders as the other HQS solvers (`BoundaryGrid`): the unknown
/// image lives on a grid larger than the observation by the PSF's size and before each x-step the
/// unobserved part is refilled with the re-blurred estimate, so nothing circular touches the observed
/// pixels (with `circular`, the observation is its own periodic grid — the textbook problem, for tests).
///
/// - Throws: `DeconvolutionError` for λ or κ ≤ 0, iterations outside 1…10000, a tolerance or ρ fraction
///   ≤ 0, a PSF larger than the image or non-finite input.
public func tvADMM(_ blurred: Image, psf: PSF, options: TVADMMOptions = TVADMMOptions()) throws -> Image {
    try tvADMM(blurred, psf: psf, options: options, circular: false).image
}

/// The solver behind `tvADMM`; also returns each channel's iteration count (tests).
func tvADMM(_ blurred: Image, psf: PSF, options: TVADMMOptions, circular: Bool) throws -> (image: Image, iterations: [Int]) {
    if let l = options.lambda, !(l > 0 && l.isFinite) {
        throw DeconvolutionError.invalidParameter(name: "lambda", value: l, expected: "a finite number > 0")
    }
    guard options.kappa > 0, options.kappa.isFinite else {
        throw DeconvolutionError.invalidParameter(name: "kappa", value: options.kappa, expected: "a finite number > 0")
    }
    try checkIterations(options.iterations)
    for (name, value) in [("tolerance", options.tolerance), ("rho fraction", options.rhoFraction)] where !(value > 0 && value.isFinite) {
        throw DeconvolutionError.invalidParameter(name: name, value: value, expected: "a finite number > 0")
    }
    guard psf.height <= blurred.height, psf.width <= blurred.width else {
        throw DeconvolutionError.psfLargerThanImage(psfWidth: psf.width, psfHeight: psf.height, width: blurred.width, height: blurred.height)
    }
    let bad = blurred.nonFiniteCount
    guard bad == 0 else { throw DeconvolutionError.nonFiniteInput(count: bad) }

    let lambda = options.lambda ?? options.kappa / pow(max(estimateNoiseSigma(blurred), PlugAndPlayOptions.noiseFloor), 2)
    let grid = circular ? nil : BoundaryGrid(imageHeight: blurred.height, imageWidth: blurred.width, psf: psf)
    let h = grid?.height ?? blurred.height, w = grid?.width ?? blurred.width, n = h * w
    let blur = try CirculantBlur(psf: psf, height: h, width: w)
    let step = GradientPriorStep(blur: blur, height: h, width: w)
    var x = grid?.mirrorPadded(blurred) ?? blurred
    var counts: [Int] = []
    let observation = RealBuffer(count: n), q = RealBuffer(count: n), solution = RealBuffer(count: n)
    let zx = RealBuffer(count: n), zy = RealBuffer(count: n), ux = RealBuffer(count: n), uy = RealBuffer(count: n)
    // The last x-step's spectrum (divided by H·W): re-blurring the estimate for the border refill then
    // costs one inverse FFT — four FFTs per iteration instead of five.
    let spectrum = ComplexBuffer(count: blur.fft.spectrumCount, zeroed: false)
    for c in 0 ..< blurred.channels {
        x.pixels.withUnsafeBufferPointer { solution.pointer.update(from: $0.baseAddress! + c * n, count: n) }
        if grid == nil {
            observation.pointer.update(from: solution.pointer, count: n)   // circular: the observation itself
        } else {
            blur.fft.forward(solution, spectrum)
            let p = spectrum.floats, scale = 1 / Float(n)
            parallelRanges(2 * spectrum.count) { range in for i in range { p[i] *= scale } }
        }
        // Start from z = ∇x, u = 0.
        forwardDifferences(solution.pointer, h, w, zx.pointer, zy.pointer)
        ux.pointer.initialize(repeating: 0, count: n)
        uy.pointer.initialize(repeating: 0, count: n)
        var rho = options.rhoFraction * lambda
        var done = options.iterations
        let zxp = zx.pointer, zyp = zy.pointer, uxp = ux.pointer, uyp = uy.pointer, qp = q.pointer, sp = solution.pointer
        for k in 0 ..< options.iterations {
            IterationProgress.report(k + 1, of: options.iterations)
            if let grid {
                blur.apply(scaledSpectrum: spectrum, into: observation)
                grid.insertObservation(blurred, channel: c, into: observation)
            }
            // q = Dᵀ(z − u); the x-step with weight ρ/λ.
            parallelRanges(h, minimumChunk: max(1, (1 << 16) / w)) { rows in
                for r in rows { adjointDifferencesRow(r, h, w, zxp, uxp, zyp, uyp, into: qp) }
            }
            step.solve(observation: observation, prior: q, weight: Float(rho / lambda), into: solution, spectrum: grid == nil ? nil : spectrum)
            // z- and u-steps. The residuals of Boyd et al. §3.3 (for the stopping test and ρ's balancing) are
            // measured every 5th iteration and at the last: the other passes are plain element-wise loops.
            let threshold = Float(1 / rho)
            let measure = k % 5 == 4 || k == options.iterations - 1
            // Row blocks on the worker threads; each block's five sums are added in block order (deterministic).
            let lock = NSLock()
            var partial: [Int: [Double]] = [:]
            parallelRanges(h, minimumChunk: max(1, (1 << 15) / w)) { rows in
                var sums = [Double](repeating: 0, count: 5)   // primal, dual, ‖∇x‖², ‖z‖², ‖u‖²
                for r in rows {
                    if measure {
                        shrinkRow(r, h, w, sp, threshold, zxp, zyp, uxp, uyp) { gx, gy, oldZx, oldZy, nzx, nzy, nux, nuy in
                            let dzx = nzx - oldZx, dzy = nzy - oldZy, rx = gx - nzx, ry = gy - nzy
                            sums[0] += Double(rx * rx + ry * ry)
                            sums[1] += Double(dzx * dzx + dzy * dzy)
                            sums[2] += Double(gx * gx + gy * gy)
                            sums[3] += Double(nzx * nzx + nzy * nzy)
                            sums[4] += Double(nux * nux + nuy * nuy)
                        }
                    } else {
                        shrinkRow(r, h, w, sp, threshold, zxp, zyp, uxp, uyp) { _, _, _, _, _, _, _, _ in }
                    }
                }
                if measure { lock.lock(); partial[rows.lowerBound] = sums; lock.unlock() }
            }
            guard measure else { continue }
            var totals = [Double](repeating: 0, count: 5)
            for key in partial.keys.sorted() { for j in 0 ..< 5 { totals[j] += partial[key]![j] } }
            let (primal, dual, gradientNorm, zNorm, uNorm) = (totals[0], totals[1], totals[2], totals[3], totals[4])
            // ‖ρ Dᵀ(z − z_prev)‖ ≤ ρ √8 ‖z − z_prev‖: the dual residual, bounded.
            let primalResidual = primal.squareRoot(), dualResidual = rho * 8.0.squareRoot() * dual.squareRoot()
            let scaleOfPrimal = max(gradientNorm, zNorm).squareRoot(), scaleOfDual = rho * 8.0.squareRoot() * uNorm.squareRoot()
            if primalResidual <= options.tolerance * max(scaleOfPrimal, 1e-12), dualResidual <= options.tolerance * max(scaleOfDual, 1e-12) {
                done = k + 1
                break
            }
            // Residual balancing: ρ up when the constraint lags, down when the dual does; u is scaled by 1/ρ.
            let factor: Double = primalResidual > 10 * dualResidual ? 2 : dualResidual > 10 * primalResidual ? 0.5 : 1
            if factor != 1 {
                rho *= factor
                let inverse = Float(1 / factor)
                parallelRanges(n) { range in for i in range { uxp[i] *= inverse; uyp[i] *= inverse } }
            }
        }
        x.pixels.withUnsafeMutableBufferPointer { (($0.baseAddress! + c * n)).update(from: solution.pointer, count: n) }
        counts.append(done)
    }
    return (grid?.crop(x) ?? x, counts)
}

/// Circular forward differences of an h×w plane: gx(i) = x(i + 1 across) − x(i), gy likewise down.
func forwardDifferences(_ x: UnsafePointer<Float>, _ h: Int, _ w: Int, _ gx: UnsafeMutablePointer<Float>, _ gy: UnsafeMutablePointer<Float>) {
    for r in 0 ..< h {
        let row = x + r * w, down = x + ((r + 1) % h) * w
        for c in 0 ..< w {
            gx[r * w + c] = row[(c + 1) % w] - row[c]
            gy[r * w + c] = down[c] - row[c]
        }
    }
}

/// Row `r` of q = Dₓᵀ(zₓ − uₓ) + Dᵧᵀ(zᵧ − uᵧ) for circular forward differences, (Dᵀa)(i) = a(i − 1) − a(i);
/// the first column apart, so the rest is one branch-free loop.
@inline(__always)
private func adjointDifferencesRow(_ r: Int, _ h: Int, _ w: Int, _ zx: UnsafeMutablePointer<Float>, _ ux: UnsafeMutablePointer<Float>,
                                   _ zy: UnsafeMutablePointer<Float>, _ uy: UnsafeMutablePointer<Float>, into q: UnsafeMutablePointer<Float>) {
    let row = r &* w, above = ((r + h - 1) % h) &* w
    q[row] = (zx[row &+ w &- 1] - ux[row &+ w &- 1]) - (zx[row] - ux[row]) + (zy[above] - uy[above]) - (zy[row] - uy[row])
    for col in 1 ..< max(w, 1) {
        let i = row &+ col, a = above &+ col
        q[i] = (zx[i &- 1] - ux[i &- 1]) - (zx[i] - ux[i]) + (zy[a] - uy[a]) - (zy[i] - uy[i])
    }
}

/// The z- and u-steps of row `r`: z ← shrink(∇x + u, 1/ρ) (v · max(0, 1 − 1/(ρ‖v‖))), u ← u + ∇x − z. `measured`
/// receives each pixel's (∇x, z before, z after, u after), for the residuals; a no-op closure leaves a plain
/// element-wise loop once inlined.
@inline(__always)
private func shrinkRow(_ r: Int, _ h: Int, _ w: Int, _ x: UnsafeMutablePointer<Float>, _ threshold: Float,
                       _ zx: UnsafeMutablePointer<Float>, _ zy: UnsafeMutablePointer<Float>,
                       _ ux: UnsafeMutablePointer<Float>, _ uy: UnsafeMutablePointer<Float>,
                       measured: (_ gx: Float, _ gy: Float, _ oldZx: Float, _ oldZy: Float,
                                  _ zx: Float, _ zy: Float, _ ux: Float, _ uy: Float) -> Void) {
    let row = x + r &* w, down = x + ((r + 1) % h) &* w, base = r &* w
    @inline(__always) func update(_ col: Int, _ gx: Float) {
        let i = base &+ col, gy = down[col] - row[col]
        let vx = gx + ux[i], vy = gy + uy[i]
        let norm = (vx * vx + vy * vy).squareRoot()
        let scale = norm > threshold ? 1 - threshold / norm : 0
        let nzx = scale * vx, nzy = scale * vy
        measured(gx, gy, zx[i], zy[i], nzx, nzy, vx - nzx, vy - nzy)
        zx[i] = nzx; zy[i] = nzy
        ux[i] = vx - nzx; uy[i] = vy - nzy
    }
    for col in 0 ..< w &- 1 { update(col, row[col &+ 1] - row[col]) }
    update(w &- 1, row[0] - row[w &- 1])
}
