import Foundation
import ImageCore

/// Multi-scale structural similarity, MS-SSIM (Wang, Simoncelli & Bovik 2003), as TensorFlow's
/// `tf.image.ssim_multiscale(ref, test, max_val=R)` (the usual reference implementation):
///
///     MS-SSIM = cs₁^β₁ · cs₂^β₂ · cs₃^β₃ · cs₄^β₄ · SSIM₅^β₅,   β = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
///
/// where csₖ and SSIMₖ are the means over valid 11×11 Gaussian (σ = 1.5) windows at scale k
/// (population covariance, K1 = 0.01, K2 = 0.03), each clamped at 0 first. Scale k+1 is the 2×2
/// average of scale k; an odd side is first padded by repeating its last row/column (TensorFlow's
/// SYMMETRIC pad, the same as MATLAB `msssim.m`'s `imfilter(…, 'symmetric')` + `(1:2:end)`).
/// Colour: the per-channel MS-SSIM values are averaged (TensorFlow's order: product, then mean).
/// Needs every scale to hold the window: sides ≥ 161 pixels.
///
/// [1] Z. Wang, E. P. Simoncelli, A. C. Bovik, "Multiscale structural similarity for image quality
///     assessment", Asilomar Conference on Signals, Systems and Computers, 2003.
public struct MSSSIM: Metric {
    public let id = "ms_ssim"
    public let displayName = "MS-SSIM"
    public let higherIsBetter = true
    /// Peak-to-peak range of valid values (1.0 for float images).
    public let dataRange: Double
    /// Mean of per-channel MS-SSIM (default) or MS-SSIM of luma.
    public let colour: ColourHandling

    /// The standard scale weights of [1].
    public static let weights: [Double] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]

    /// - Precondition: `dataRange` positive and finite.
    public init(dataRange: Double = 1.0, colour: ColourHandling = .channels) {
        precondition(dataRange > 0 && dataRange.isFinite, "MS-SSIM data range must be positive and finite, got \(dataRange)")
        self.dataRange = dataRange
        self.colour = colour
    }

    public var description: String {
        let channels = colour == .luma ? "luma (BT.601)" : "mean of per-channel MS-SSIM"
        return "MS-SSIM (Wang, Simoncelli & Bovik 2003; 5 scales, weights 0.0448/0.2856/0.3001/0.2363/0.1333, Gaussian 11×11 σ=1.5 valid windows, K1=0.01, K2=0.03, population covariance, 2×2 average downsampling, terms clamped at 0, data range \(formatNumber(dataRange)), \(channels); = TensorFlow tf.image.ssim_multiscale)"
    }

    /// The smallest side that keeps the 11×11 window inside all five scales (161).
    public static var minimumSide: Int {
        var side = SSIMConstants.windowSize
        for _ in 1 ..< weights.count { side = 2 * side - 1 }
        return side
    }

    public func score(reference: Image, test: Image) throws -> Double {
        try validatePair(reference, test, metric: displayName, minimumSide: MSSSIM.minimumSide,
                         reason: "the 11×11 window must fit inside the coarsest of 5 scales, each half the size of the previous")
        let r = try planes(of: reference, colour: colour, metric: displayName)
        let t = try planes(of: test, colour: colour, metric: displayName)
        var total = 0.0
        for c in 0 ..< r.channels {
            total += planeScore(r.channel(c), t.channel(c))
        }
        return total / Double(r.channels)
    }

    /// MS-SSIM of one plane pair (sides ≥ 161, checked by the caller).
    private func planeScore(_ reference: Image, _ test: Image) -> Double {
        var x = reference, y = test
        let taps = SSIMConstants.gaussianWindow()
        let c1 = SSIMConstants.c1(dataRange: dataRange), c2 = SSIMConstants.c2(dataRange: dataRange)
        var product = 1.0
        for (k, weight) in MSSSIM.weights.enumerated() {
            if k > 0 { x = halved(x); y = halved(y) }
            let sums = x.pixels.withUnsafeBufferPointer { xb in
                y.pixels.withUnsafeBufferPointer { yb in
                    ssimPlane(x: xb.baseAddress!, y: yb.baseAddress!, height: x.height, width: x.width,
                              taps: taps, c1: c1, c2: c2, covarianceNorm: 1, map: nil)
                }
            }
            let last = k == MSSSIM.weights.count - 1
            let term = max(0, (last ? sums.ssim : sums.cs) / Double(sums.count))
            product *= pow(term, weight)
        }
        return product
    }
}

/// 2×2 average with stride 2 of a one-channel image; an odd side is padded by repeating its last
/// row/column first (output side ⌈n/2⌉). Sums in Double, rounded once to Float.
func halved(_ image: Image) -> Image {
    let h = image.height, w = image.width
    let oh = (h + 1) / 2, ow = (w + 1) / 2
    var out = Image(channels: 1, height: oh, width: ow)
    image.pixels.withUnsafeBufferPointer { src in
        out.pixels.withUnsafeMutableBufferPointer { dst in
            for oy in 0 ..< oh {
                let y0 = 2 * oy, y1 = min(2 * oy + 1, h - 1)
                for ox in 0 ..< ow {
                    let x0 = 2 * ox, x1 = min(2 * ox + 1, w - 1)
                    let s = Double(src[y0 &* w &+ x0]) + Double(src[y0 &* w &+ x1])
                        + Double(src[y1 &* w &+ x0]) + Double(src[y1 &* w &+ x1])
                    dst[oy &* ow &+ ox] = Float(s * 0.25)
                }
            }
        }
    }
    return out
}
