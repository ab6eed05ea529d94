import Blur
import Deconvolution
import Foundation
import ImageCore

/// Kernel similarity: the normalised cross-correlation of two kernels after the best integer
/// shift, `max_s Σ_p a(p) b(p + s) / (‖a‖₂ ‖b‖₂)` with both kernels centred on a common
/// canvas and zero outside (not mean-subtracted, so it is in [0, 1] for non-negative kernels
/// and 1 only for identical shapes). Shifts up to half the larger kernel's side are tried:
/// a blur estimated one pixel off-centre restores an equally good, shifted image.
public func kernelNCC(_ a: PSF, _ b: PSF) -> Double {
    let side = max(a.width, a.height, b.width, b.height)
    func canvas(_ psf: PSF) -> [Double] {
        var out = [Double](repeating: 0, count: side * side)
        let top = side / 2 - psf.height / 2, left = side / 2 - psf.width / 2
        for y in 0 ..< psf.height {
            for x in 0 ..< psf.width { out[(top + y) * side + left + x] = Double(psf.weights[0, y, x]) }
        }
        return out
    }
    let ca = canvas(a), cb = canvas(b)
    let na = ca.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = cb.reduce(0) { $0 + $1 * $1 }.squareRoot()
    guard na > 0, nb > 0 else { return 0 }
    let reach = side / 2
    var best = 0.0
    for sy in -reach ... reach {
        for sx in -reach ... reach {
            var sum = 0.0
            for y in max(0, -sy) ..< min(side, side - sy) {
                let rowA = y * side, rowB = (y + sy) * side + sx
                for x in max(0, -sx) ..< min(side, side - sx) { sum += ca[rowA + x] * cb[rowB + x] }
            }
            best = max(best, sum)
        }
    }
    return best / (na * nb)
}

/// The non-blind deconvolver used to compare kernels: Wiener–Hunt with the gradient
/// regulariser, the default NSR (σ̂ + 0.01) and reflect-padded borders.
public let errorRatioDeconvolverName = "Wiener–Hunt (gradient regulariser, NSR = σ̂ + 0.01, reflect borders)"

/// Levin et al. 2009's error ratio [1]: `‖x̂_est − x‖² / ‖x̂_true − x‖²`, where x̂_est and x̂_true
/// are the blurred image restored by the same non-blind deconvolver with the estimated and with
/// the true kernel. Each restoration is aligned to the sharp image as Levin et al.'s evaluation
/// does: the SSD is minimised over shifts within ±5 px in quarter-pixel steps (bilinear
/// interpolation of the restoration; `alignedSSD`), over the interior that leaves out a 15 px
/// border (or the larger kernel's half-size + 6 px, if that is more: borders ring for any kernel).
/// A kernel found a few pixels off-centre restores an equally good, shifted image and is not
/// penalised. Levin et al. count a kernel as a success when the ratio is ≤ 2–3.
///
/// [1] A. Levin, Y. Weiss, F. Durand, W. T. Freeman, "Understanding and evaluating blind
///     deconvolution algorithms", CVPR 2009.
public struct ErrorRatio: Sendable {
    public let ratio: Double
    public let ssdEstimated: Double
    public let ssdTrue: Double
}

public func errorRatio(sharp: Image, blurred: Image, truePSF: PSF, estimatedPSF: PSF) throws -> ErrorRatio {
    let x = try sharp.luma(), y = try blurred.luma()
    guard x.width == y.width, x.height == y.height else {
        throw PSFEstimationError.invalidParameter(name: "sharp and blurred images", value: "\(x.width)×\(x.height) and \(y.width)×\(y.height)",
                                                  expected: "the same size (aligned pair)")
    }
    func restore(_ psf: PSF) throws -> Image {
        try wiener(y, psf: psf, regularizer: .gradient, border: .reflect)
    }
    let half = max(truePSF.width, truePSF.height, estimatedPSF.width, estimatedPSF.height) / 2
    let margin = max(errorRatioBorder, half + errorRatioReach + 1)
    guard x.width > 2 * margin + 8, x.height > 2 * margin + 8 else {
        throw PSFEstimationError.imageTooSmall(width: x.width, height: x.height, minimum: 2 * margin + 9)
    }
    let ssdTrue = alignedSSD(try restore(truePSF), x, margin: margin)
    let ssdEstimated = alignedSSD(try restore(estimatedPSF), x, margin: margin)
    return ErrorRatio(ratio: ssdTrue > 0 ? ssdEstimated / ssdTrue : (ssdEstimated > 0 ? .infinity : 1),
                      ssdEstimated: ssdEstimated, ssdTrue: ssdTrue)
}

/// The error ratio's shift window (±px) and border (px), after Levin et al.'s evaluation code.
let errorRatioReach = 5
let errorRatioBorder = 15

/// `min_s Σ_p (r(p + s) − x(p))²` over `p` in the interior `[margin, N − margin)` and shifts `s`
/// within ±`errorRatioReach` px in quarter-pixel steps, `r` sampled bilinearly. Searched in two
/// stages — every integer shift, then the quarter-pixel grid within ±0.75 px of the best one (the
/// SSD is smooth in `s`; the exhaustive 41 × 41 grid found the same minimum on every study case
/// tried) — so 170 evaluations instead of 1,681.
func alignedSSD(_ restored: Image, _ x: Image, margin: Int) -> Double {
    precondition(margin > errorRatioReach && x.width > 2 * margin && x.height > 2 * margin)
    var best = (ssd: Double.infinity, sx: 0.0, sy: 0.0)
    for sy in -errorRatioReach ... errorRatioReach {
        for sx in -errorRatioReach ... errorRatioReach {
            let ssd = shiftedSSD(restored, x, margin: margin, sx: Double(sx), sy: Double(sy))
            if ssd < best.ssd { best = (ssd, Double(sx), Double(sy)) }
        }
    }
    let (cx, cy) = (best.sx, best.sy)
    let limit = Double(errorRatioReach)
    for dy in stride(from: -0.75, through: 0.75, by: 0.25) {
        for dx in stride(from: -0.75, through: 0.75, by: 0.25) where dx != 0 || dy != 0 {
            let sx = cx + dx, sy = cy + dy
            guard abs(sx) <= limit, abs(sy) <= limit else { continue }
            let ssd = shiftedSSD(restored, x, margin: margin, sx: sx, sy: sy)
            if ssd < best.ssd { best = (ssd, sx, sy) }
        }
    }
    return best.ssd
}

/// `Σ_p (r(p + s) − x(p))²` over the interior, `r` sampled bilinearly at the fractional shift.
func shiftedSSD(_ r: Image, _ x: Image, margin: Int, sx: Double, sy: Double) -> Double {
    let w = x.width
    let ix = Int(sx.rounded(.down)), iy = Int(sy.rounded(.down))
    let fx = Float(sx - Double(ix)), fy = Float(sy - Double(iy))
    let w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
    var ssd = 0.0
    r.pixels.withUnsafeBufferPointer { rp in
        x.pixels.withUnsafeBufferPointer { xp in
            for row in margin ..< x.height - margin {
                let top = (row + iy) * w + ix, bottom = top + w, sr = row * w
                var sum: Float = 0
                for col in margin ..< w - margin {
                    let v = w00 * rp[top + col] + w01 * rp[top + col + 1] + w10 * rp[bottom + col] + w11 * rp[bottom + col + 1]
                    let d = v - xp[sr + col]
                    sum += d * d
                }
                ssd += Double(sum)
            }
        }
    }
    return ssd
}
