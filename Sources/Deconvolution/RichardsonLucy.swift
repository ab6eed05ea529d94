import Blur
import Foundation
import ImageCore
import Spectral

/// The Richardson–Lucy family.
public enum RichardsonLucyVariant: Sendable, Equatable {
    /// `x ← x · Hᵀ(y / Hx)` (Richardson 1972, Lucy 1974), as scikit-image `richardson_lucy`.
    case plain
    /// MATLAB `deconvlucy` damping: where the data already fit within `threshold` (DAMPAR, in
    /// intensity units, e.g. 3σ), the update ratio is pulled towards 1, so noise is not amplified.
    case damped(threshold: Double)
    /// Total-variation regularised RL (Dey et al. 2006): `x ← x · Hᵀ(y/Hx) / (1 − λ div(∇x/|∇x|))`.
    case totalVariation(weight: Double)
    /// Biggs–Andrews vector extrapolation (MATLAB `deconvlucy`'s acceleration): reaches a given
    /// fit in far fewer iterations.
    case accelerated
}

extension RichardsonLucyVariant {
    var isTotalVariation: Bool { if case .totalVariation = self { return true } else { return false } }
}

/// Where the iterations start.
public enum RichardsonLucyStart: Sendable, Equatable {
    /// The observed image (negative values set to 0), as MATLAB `deconvlucy`.
    case observed
    /// A constant, as scikit-image (0.5).
    case constant(Float)
}

/// Richardson–Lucy deconvolution, the maximum-likelihood estimate under Poisson noise.
///
/// Model: `y ~ Poisson(h ∗ x)`. Each iteration multiplies the estimate by the back-projected
/// ratio of data to re-blurred estimate, `x ← x · Hᵀ(y / (Hx + 10⁻¹²))`; with a normalised PSF on a
/// periodic domain this keeps the total flux equal to the data's and the estimate non-negative.
/// RL needs non-negative data: negative observations (possible with Gaussian noise) are treated
/// as 0, and the documentation of the tool says so.
///
/// - Parameters:
///   - iterations: maximum number of iterations (default 30).
///   - variant: plain, damped, TV-regularised or accelerated.
///   - start: observed image (default) or a constant.
///   - stopTolerance: stop early once `‖x_{k+1} − x_k‖ / ‖x_k‖` falls below it (nil: never).
///   - discrepancy: the discrepancy principle (Morozov): stop before the first update whose estimate already
///     explains the data to this residual, `RMS(y − h ∗ x) ≤ discrepancy` on the image's interior (a band
///     of the PSF's size at the edges left out, where the border model cannot fit valid-blur data);
///     typically τ·σ̂. Not for the accelerated variant (its extrapolated points are not estimates).
///   - border: border handling (default reflect); `.zero` with `start: .constant(0.5)` is
///     scikit-image's `richardson_lucy(image, psf, num_iter, clip=False)` exactly.
/// - Returns: the restored image (not clipped).
/// - Throws: `DeconvolutionError` for iterations < 1, bad variant parameters, a PSF larger than
///   the image, or non-finite input.
///
/// References: [1] W. H. Richardson, JOSA 62(1), 1972. [2] L. B. Lucy, Astron. J. 79, 1974.
/// [3] D. S. C. Biggs, M. Andrews, "Acceleration of iterative image restoration algorithms",
/// Applied Optics 36(8), 1997. [4] N. Dey et al., "Richardson–Lucy algorithm with total variation
/// regularization for 3D confocal microscope deconvolution", Microsc. Res. Tech. 69, 2006.
/// [5] R. L. White, "Image restoration using the damped Richardson–Lucy method", 1994 (DAMPAR).
public func richardsonLucy(_ blurred: Image, psf: PSF, iterations: Int = 30, variant: RichardsonLucyVariant = .plain,
                           start: RichardsonLucyStart = .observed, stopTolerance: Double? = nil, discrepancy: Double? = nil,
                           border: BorderHandling = .reflect) throws -> Image {
    try checkIterations(iterations)
    if let d = discrepancy, !(d > 0 && d.isFinite) {
        throw DeconvolutionError.invalidParameter(name: "discrepancy", value: d, expected: "a finite number > 0")
    }
    try checkRLSettings(variant: variant, start: start)
    return try deconvolvePerChannel(blurred, psf: psf, border: border) { plane, domain, blur in
        let solver = try RLSolver(domain: domain, blur: blur, plane: plane, psf: psf, start: start)
        try solver.run(iterations: iterations, variant: variant, stopTolerance: stopTolerance,
                       discrepancy: variant == .accelerated ? nil : discrepancy, margin: max(psf.height, psf.width))
        return solver.x
    }
}

/// Richardson–Lucy's estimates after chosen iterations of one run — for watching semi-convergence
/// (the teaching lessons scrub through them). The same iteration as `richardsonLucy` (no stopping rule):
/// `richardsonLucyIterates(y, psf: h, iterations: n, recording: [n])[n]` equals `richardsonLucy(y, psf: h, iterations: n)`.
/// - Parameter recording: the iterations (1 … `iterations`) whose estimates are returned; others are ignored.
/// - Returns: iteration → estimate (not clipped).
/// - Throws: as `richardsonLucy`.
public func richardsonLucyIterates(_ blurred: Image, psf: PSF, iterations: Int, recording: Set<Int>,
                                   variant: RichardsonLucyVariant = .plain, start: RichardsonLucyStart = .observed,
                                   border: BorderHandling = .reflect) throws -> [Int: Image] {
    try checkIterations(iterations)
    try checkRLSettings(variant: variant, start: start)
    let wanted = recording.filter { (1 ... max(iterations, 1)).contains($0) }
    var planes: [Int: [Float]] = [:]
    let n = blurred.planeSize
    for k in wanted { planes[k] = [Float](repeating: 0, count: blurred.pixels.count) }
    var channel = 0
    _ = try deconvolvePerChannel(blurred, psf: psf, border: border) { plane, domain, blur in
        let solver = try RLSolver(domain: domain, blur: blur, plane: plane, psf: psf, start: start)
        try solver.run(iterations: iterations, variant: variant, stopTolerance: nil) { k in
            guard wanted.contains(k) else { return }
            planes[k]!.withUnsafeMutableBufferPointer { domain.extract(solver.x, into: $0.baseAddress! + channel * n) }
        }
        channel += 1
        return solver.x
    }
    return planes.mapValues { Image(channels: blurred.channels, height: blurred.height, width: blurred.width, pixels: $0) }
}

func checkRLSettings(variant: RichardsonLucyVariant, start: RichardsonLucyStart) throws {
    switch variant {
    case let .damped(t) where !(t > 0 && t.isFinite):
        throw DeconvolutionError.invalidParameter(name: "damping threshold", value: t, expected: "a finite number > 0")
    case let .totalVariation(w) where !(w >= 0 && w < 1):
        throw DeconvolutionError.invalidParameter(name: "TV weight", value: w, expected: "in [0, 1) (typically 0.001–0.01)")
    default: break
    }
    if case let .constant(v) = start, !(v > 0 && v.isFinite) {
        throw DeconvolutionError.invalidParameter(name: "start value", value: Double(v), expected: "a finite number > 0")
    }
}

/// The iteration state of one channel: domain buffers allocated once.
final class RLSolver {
    let domain: WorkingDomain
    let blur: CirculantBlur
    let y: RealBuffer, x: RealBuffer, estimate: RealBuffer, correction: RealBuffer
    let n: Int

    init(domain: WorkingDomain, blur: CirculantBlur, plane: ChannelPlane, psf: PSF, start: RichardsonLucyStart) throws {
        self.domain = domain
        n = domain.count
        self.blur = blur
        y = try domain.embed(plane, psf: psf, blur: blur)
        for i in 0 ..< n where y.pointer[i] < 0 { y.pointer[i] = 0 }
        x = RealBuffer(count: n, zeroed: false)
        estimate = RealBuffer(count: n, zeroed: false)
        correction = RealBuffer(count: n, zeroed: false)
        switch start {
        case .observed: x.pointer.update(from: y.pointer, count: n)
        case let .constant(v):
            if let mask = domain.regionMask() {
                for i in 0 ..< n { x.pointer[i] = v * mask.pointer[i] }
            } else {
                x.pointer.update(repeating: v, count: n)
            }
        }
    }

    /// `correction = Hᵀ(ratio(y, Hu))` for the estimate `u`. `floor` bounds the re-blurred
    /// estimate from below (10⁻¹² as scikit-image for plain RL; the accelerated variant uses 10⁻³
    /// because extrapolation can zero a region where the data are positive, and dividing by
    /// almost nothing there makes the iteration diverge).
    func backProjectedRatio(of u: RealBuffer, variant: RichardsonLucyVariant, floor: Float = 1e-12) {
        blur.apply(u, into: estimate)
        backProjectRatio(variant: variant, floor: floor)
    }

    /// RMS of `y − estimate` (after `blur.apply(x, into: estimate)`) over the image less `margin` on every
    /// side (the whole image when it is too small for that).
    func interiorResidualRMS(margin: Int) -> Double {
        let m = 2 * margin < min(domain.imageHeight, domain.imageWidth) ? margin : 0
        let rows = domain.imageHeight - 2 * m, cols = domain.imageWidth - 2 * m
        let yp = y.pointer, e = estimate.pointer, w = domain.width
        var sum = 0.0
        for r in 0 ..< rows {
            let start = (domain.top + m + r) * w + domain.left + m
            var rowSum: Float = 0
            for c in 0 ..< cols { let d = yp[start + c] - e[start + c]; rowSum += d * d }
            sum += Double(rowSum)
        }
        return (sum / Double(max(rows * cols, 1))).squareRoot()
    }

    /// The second half of `backProjectedRatio`: `estimate` holds Hu; turns it into the ratio and back-projects.
    func backProjectRatio(variant: RichardsonLucyVariant, floor: Float = 1e-12) {
        let yp = y.pointer, e = estimate.pointer
        if case let .damped(threshold) = variant {
            let half = Float(threshold * threshold / 2), gm: Float = 10
            parallelRanges(n) { range in
                for i in range {
                    let reblurred = e[i] == 0 ? Float.ulpOfOne : e[i]
                    let ratio = yp[i] / reblurred + Float.ulpOfOne
                    var g = (yp[i] * log(ratio) + reblurred - yp[i]) / half
                    g = min(g, 1)
                    let weight = pow(max(g, 0), gm - 1) * (gm - (gm - 1) * g)
                    e[i] = 1 + weight * (ratio - 1)
                }
            }
        } else {
            parallelRanges(n) { range in
                for i in range { e[i] = yp[i] / (floor == 1e-12 ? e[i] + floor : max(e[i], floor)) }
            }
        }
        blur.apply(estimate, into: correction, adjoint: true)
    }

    /// - Parameter afterIteration: called with k (1-based) once `x` holds the k-th estimate.
    func run(iterations: Int, variant: RichardsonLucyVariant, stopTolerance: Double?, discrepancy: Double? = nil, margin: Int = 0,
             afterIteration: ((Int) -> Void)? = nil) throws {
        let xp = x.pointer, c = correction.pointer
        let previous = RealBuffer(count: n, zeroed: false)   // x_k before this iteration's update
        let accelerated = variant == .accelerated
        let u = accelerated ? RealBuffer(count: n) : nil   // Biggs–Andrews extrapolated point
        let g = accelerated ? RealBuffer(count: n) : nil   // g_k = x_{k+1} − u_k
        let divisor = variant.isTotalVariation ? RealBuffer(count: n) : nil
        var alpha: Float = 0
        for k in 0 ..< iterations {
            IterationProgress.report(k + 1, of: iterations)
            if accelerated, let u, let g {
                // u = max(0, x_k + α (x_k − x_{k−1})); x_{k+1} = u · Hᵀ(y / Hu); α from successive g.
                let up = u.pointer, pp = previous.pointer
                for i in 0 ..< n { up[i] = max(0, xp[i] + alpha * (xp[i] - (k == 0 ? xp[i] : pp[i]))) }
                previous.pointer.update(from: xp, count: n)
                backProjectedRatio(of: u, variant: .plain, floor: 1e-3)
                var num = 0.0, den = 0.0
                let gp = g.pointer
                for i in 0 ..< n {
                    let next = up[i] * c[i]
                    let gNew = next - up[i]
                    num += Double(gNew) * Double(gp[i])
                    den += Double(gp[i]) * Double(gp[i])
                    gp[i] = gNew
                    xp[i] = next
                }
                alpha = k >= 1 && den > 0 ? Float(min(max(num / den, 0), 1)) : 0
            } else {
                if stopTolerance != nil { previous.pointer.update(from: xp, count: n) }
                blur.apply(x, into: estimate)
                if let discrepancy, interiorResidualRMS(margin: margin) <= discrepancy { return }
                backProjectRatio(variant: variant)
                if case let .totalVariation(weight) = variant, let divisor {
                    totalVariationDivisor(weight: Float(weight), into: divisor)
                    let d = divisor.pointer
                    parallelRanges(n) { range in for i in range { xp[i] = xp[i] * c[i] / d[i] } }
                } else {
                    parallelRanges(n) { range in for i in range { xp[i] *= c[i] } }
                }
            }
            afterIteration?(k + 1)
            if let tolerance = stopTolerance {
                var change = 0.0, norm = 0.0
                let pp = previous.pointer
                for i in 0 ..< n {
                    let d = Double(xp[i] - pp[i])
                    change += d * d
                    norm += Double(pp[i]) * Double(pp[i])
                }
                if norm > 0 && (change / norm).squareRoot() < tolerance { return }
            }
        }
    }

    private var normalX: [Float]?, normalY: [Float]?

    /// `1 − λ div(∇x / |∇x|)` with forward differences for ∇ and backward for div (periodic on the
    /// domain), |∇x| smoothed by 10⁻³; kept ≥ 0.05 so a large λ cannot flip the sign of the update.
    func totalVariationDivisor(weight: Float, into out: RealBuffer) {
        let h = domain.height, w = domain.width, xp = x.pointer, o = out.pointer
        let eps: Float = 1e-3
        // Scratch arrays kept between iterations (taken out so writing them does not copy).
        var nx = normalX ?? [Float](repeating: 0, count: n), ny = normalY ?? [Float](repeating: 0, count: n)
        normalX = nil; normalY = nil
        defer { normalX = nx; normalY = ny }
        for r in 0 ..< h {
            let down = ((r + 1) % h) * w
            for col in 0 ..< w {
                let i = r * w + col
                let gx = xp[r * w + (col + 1) % w] - xp[i], gy = xp[down + col] - xp[i]
                let magnitude = (gx * gx + gy * gy + eps * eps).squareRoot()
                nx[i] = gx / magnitude
                ny[i] = gy / magnitude
            }
        }
        for r in 0 ..< h {
            let up = ((r + h - 1) % h) * w
            for col in 0 ..< w {
                let i = r * w + col
                let div = nx[i] - nx[r * w + (col + w - 1) % w] + ny[i] - ny[up + col]
                o[i] = max(1 - weight * div, 0.05)
            }
        }
    }
}
