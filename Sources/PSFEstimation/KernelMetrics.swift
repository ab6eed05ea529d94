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
/// the true kernel. Each restoration is aligned to the sharp image by the integer shift (up to
/// ±4 px: both kernels are centred on their centroids, so larger offsets do not occur) that minimises its SSD, and the SSDs are taken over the interior that
/// excludes that margin plus the kernel's half-size (borders ring for any kernel).
/// Levin et al. count a kernel as a success when the ratio is ≤ 2–3.
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
    let reach = min(4, max(truePSF.width, truePSF.height, estimatedPSF.width, estimatedPSF.height) / 2)
    let margin = reach + max(truePSF.width, truePSF.height, estimatedPSF.width, estimatedPSF.height) / 2 + 2
    guard x.width > 2 * margin + 8, x.height > 2 * margin + 8 else {
        throw PSFEstimationError.imageTooSmall(width: x.width, height: x.height, minimum: 2 * margin + 9)
    }
    func alignedSSD(_ restored: Image) -> Double {
        var best = Double.infinity
        for sy in -reach ... reach {
            for sx in -reach ... reach {
                var ssd = 0.0
                for row in margin ..< x.height - margin {
                    let rr = (row + sy) * x.width + sx, sr = row * x.width
                    for col in margin ..< x.width - margin {
                        let d = Double(restored.pixels[rr + col] - x.pixels[sr + col])
                        ssd += d * d
                    }
                }
                best = min(best, ssd)
            }
        }
        return best
    }
    let ssdTrue = alignedSSD(try restore(truePSF))
    let ssdEstimated = alignedSSD(try restore(estimatedPSF))
    return ErrorRatio(ratio: ssdTrue > 0 ? ssdEstimated / ssdTrue : (ssdEstimated > 0 ? .infinity : 1),
                      ssdEstimated: ssdEstimated, ssdTrue: ssdTrue)
}
