import Foundation
import ImageCore
import Metrics
import Tensors

/// SSIM loss `1 − SSIM(prediction, target)`, with SSIM exactly as the Metrics module's `SSIM`
/// metric defines it (Wang et al. 2004; `SSIMConstants`: Gaussian window 11×11, σ = 1.5,
/// K1 = 0.01, K2 = 0.03, population covariance, mean over the window positions that lie inside
/// the image, mean over channels and images):
///
///     SSIM_p = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),   C1 = (K1·R)², C2 = (K2·R)²
///
/// `prediction` and `target` are `(N, C, H, W)` with H, W ≥ 11; `dataRange` R is 1 for images in
/// [0, 1]. Combine with a pixel loss for training (e.g. `l1Loss(p, t) + 0.2 * ssimLoss(p, t)`).
///
/// Gradient (computed with the forward pass and stored): with local statistics as functions of the
/// window-filtered maps mx = G⋆x', Sxx = G⋆x'², Sxy = G⋆x'y' (x' = x − s, y' = y − s for a per-plane
/// shift s that keeps Float accurate; σ terms are shift-invariant, μ = m + s), and P = 1/(B1·B2):
///
///     α = ∂S/∂mx = 2μy·A2·P − 2my·A1·P − 2μx·S/B1 + 2mx·S/B2,   β = ∂S/∂Sxx = −S/B2,   γ = ∂S/∂Sxy = 2·A1·P
///     ∂loss/∂x = −(Gᵀ⋆α + 2x'·(Gᵀ⋆β) + y'·(Gᵀ⋆γ)) / M
///
/// where Gᵀ⋆ is the adjoint of the valid filtering and M the number of window positions in all planes.
public func ssimLoss(_ prediction: Variable, target: Tensor, dataRange: Double = 1) -> Variable {
    let shape = prediction.shape
    precondition(shape == target.shape && shape.count == 4, "ssimLoss: prediction \(shape) and target \(target.shape) must be equal (N, C, H, W)")
    let k = SSIMConstants.windowSize
    precondition(shape[2] >= k && shape[3] >= k, "ssimLoss needs images of at least \(k)×\(k), got \(shape[2])×\(shape[3])")
    let planes = shape[0] * shape[1], h = shape[2], w = shape[3], ho = h - k + 1, wo = w - k + 1
    let taps = SSIMConstants.gaussianWindow().map { Float($0) }
    let c1 = Float(SSIMConstants.c1(dataRange: dataRange)), c2 = Float(SSIMConstants.c2(dataRange: dataRange))
    let m = Double(planes * ho * wo)
    var sums = [Double](repeating: 0, count: planes)
    var gradient = Tensor.uninitialized(shape: shape)
    let pv = prediction.value
    let gp = gradient.unsafeMutablePointer()
    withExtendedLifetime((pv, target)) {
        let xp = pv.unsafePointer, yp = target.unsafePointer
        sums.withUnsafeMutableBufferPointer { sumBuffer in
            let sumPointer = sumBuffer.baseAddress!
            // One plane per item (the only parallel level); scratch allocated once per plane.
            parallelFor(planes) { plane in
                sumPointer[plane] = ssimPlaneWithGradient(x: xp + plane * h * w, y: yp + plane * h * w, height: h, width: w,
                                                          taps: taps, c1: c1, c2: c2, scale: Float(-1 / m),
                                                          gradient: gp + plane * h * w)
            }
        }
    }
    let ssim = sums.reduce(0, +) / m
    let storedGradient = gradient
    return makeResult(Tensor(shape: [1], scalars: [Float(1 - ssim)]), [prediction]) { out in
        let upstream = out.grad![0]
        var scaled = storedGradient
        if upstream != 1 {
            let p = scaled.unsafeMutablePointer()
            for i in 0 ..< scaled.count { p[i] *= upstream }
        }
        prediction.accumulateGrad(scaled)
    }
}

/// Σ_p SSIM_p over the valid window positions of one plane, and `scale · ∂(Σ_p SSIM_p)/∂x` written to `gradient`.
private func ssimPlaneWithGradient(x: UnsafePointer<Float>, y: UnsafePointer<Float>, height h: Int, width w: Int,
                                   taps: [Float], c1: Float, c2: Float, scale: Float,
                                   gradient: UnsafeMutablePointer<Float>) -> Double {
    let k = taps.count, ho = h - k + 1, wo = w - k + 1, n = h * w, no = ho * wo
    var shiftSum = 0.0
    for i in 0 ..< n { shiftSum += Double(y[i]) }
    let s = Float(shiftSum / Double(n))
    // Scratch: 5 product planes (n each), 1 horizontal pass (h·wo), 5 statistics maps and 3 derivative maps (no each).
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 5 * n + h * wo + 8 * no)
    defer { scratch.deallocate() }
    let xs = scratch, ys = xs + n, xx = ys + n, yy = xx + n, xy = yy + n
    let horizontal = xy + n
    let mx = horizontal + h * wo, my = mx + no, sxx = my + no, syy = sxx + no, sxy = syy + no
    let alpha = sxy + no, beta = alpha + no, gamma = beta + no
    for i in 0 ..< n {
        let a = x[i] - s, b = y[i] - s
        xs[i] = a; ys[i] = b; xx[i] = a * a; yy[i] = b * b; xy[i] = a * b
    }
    taps.withUnsafeBufferPointer { t in
        for (src, dst) in [(xs, mx), (ys, my), (xx, sxx), (yy, syy), (xy, sxy)] {
            filterValid(UnsafePointer(src), height: h, width: w, taps: t.baseAddress!, k: k, horizontal: horizontal, output: dst)
        }
    }
    var total = 0.0
    for p in 0 ..< no {
        let mxp = mx[p], myp = my[p], ux = mxp + s, uy = myp + s
        let vx = sxx[p] - mxp * mxp, vy = syy[p] - myp * myp, cov = sxy[p] - mxp * myp
        let a1 = 2 * ux * uy + c1, a2 = 2 * cov + c2, b1 = ux * ux + uy * uy + c1, b2 = vx + vy + c2
        let inv = 1 / (b1 * b2)
        let ssim = a1 * a2 * inv
        total += Double(ssim)
        alpha[p] = 2 * uy * a2 * inv - 2 * myp * a1 * inv - 2 * ux * ssim / b1 + 2 * mxp * ssim / b2
        beta[p] = -ssim / b2
        gamma[p] = 2 * a1 * inv
    }
    // Adjoint filtering of the three derivative maps, then the chain rule per pixel.
    let adjointAlpha = xs, adjointBeta = xx, adjointGamma = yy  // reuse: xs, ys, xx, yy, xy no longer needed as products
    let xShift = UnsafeMutablePointer<Float>.allocate(capacity: 2 * n)
    defer { xShift.deallocate() }
    let yShift = xShift + n
    for i in 0 ..< n { xShift[i] = x[i] - s; yShift[i] = y[i] - s }
    taps.withUnsafeBufferPointer { t in
        for (src, dst) in [(alpha, adjointAlpha), (beta, adjointBeta), (gamma, adjointGamma)] {
            filterValidAdjoint(UnsafePointer(src), height: h, width: w, taps: t.baseAddress!, k: k, horizontal: horizontal, output: dst)
        }
    }
    for i in 0 ..< n {
        gradient[i] = scale * (adjointAlpha[i] + 2 * xShift[i] * adjointBeta[i] + yShift[i] * adjointGamma[i])
    }
    return total
}

/// Separable 'valid' filtering: `src (h, w) -> output (h − k + 1, w − k + 1)`, output[i, j] = Σ_{a,b} t[a] t[b] src[i + a, j + b].
private func filterValid(_ src: UnsafePointer<Float>, height h: Int, width w: Int, taps t: UnsafePointer<Float>, k: Int,
                         horizontal: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let ho = h - k + 1, wo = w - k + 1
    for i in 0 ..< h {
        let row = src + i * w, dst = horizontal + i * wo
        for j in 0 ..< wo {
            var acc: Float = 0
            for b in 0 ..< k { acc += t[b] * row[j + b] }
            dst[j] = acc
        }
    }
    for i in 0 ..< ho {
        let dst = output + i * wo
        for j in 0 ..< wo { dst[j] = 0 }
        for a in 0 ..< k {
            let row = horizontal + (i + a) * wo, ta = t[a]
            for j in 0 ..< wo { dst[j] += ta * row[j] }
        }
    }
}

/// Adjoint of `filterValid`: `map (h − k + 1, w − k + 1) -> output (h, w)` (zero outside the reach of the map).
private func filterValidAdjoint(_ map: UnsafePointer<Float>, height h: Int, width w: Int, taps t: UnsafePointer<Float>, k: Int,
                                horizontal: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let ho = h - k + 1, wo = w - k + 1
    horizontal.update(repeating: 0, count: h * wo)
    for i in 0 ..< ho {
        let src = map + i * wo
        for a in 0 ..< k {
            let dst = horizontal + (i + a) * wo, ta = t[a]
            for j in 0 ..< wo { dst[j] += ta * src[j] }
        }
    }
    output.update(repeating: 0, count: h * w)
    for i in 0 ..< h {
        let src = horizontal + i * wo, dst = output + i * w
        for j in 0 ..< wo {
            let v = src[j]
            for b in 0 ..< k { dst[j + b] += t[b] * v }
        }
    }
}
