import Foundation
import ImageCore

/// The visual-information sums of one scale of VIFp for one plane pair:
/// Σ log10(1 + g²σx²/(σv² + σn²)) (information the test image keeps) and
/// Σ log10(1 + σx²/σn²) (information in the reference), over the 'valid' window positions.
struct VIFSums {
    var numerator = 0.0
    var denominator = 0.0
}

/// One scale of VIFp (Sheikh & Bovik 2006, `vifp_mscale.m`, as sewar 0.4.10 `_vifp_single`).
///
/// With the window w = taps ⊗ taps (valid positions only): μ = w ⋆ x, σx² = w ⋆ x² − μx² (clamped at 0),
/// σxy = w ⋆ xy − μxμy, g = σxy/(σx² + ε), σv² = σy² − g σxy, then in this order: where σx² < ε:
/// g = 0, σv² = σy², σx² = 0; where σy² < ε: g = 0, σv² = 0; where g < 0: σv² = σy², g = 0;
/// σv² ≤ ε → ε (ε = 1e-10). Shape contract: x, y are `height × width` Double planes on the
/// 0–255 scale (any common shift, which VIF ignores), taps odd and symmetric.
///
/// Sums of log10 are taken as the log of running products of the factors (renormalised by their
/// binary exponent), so one logarithm per row instead of two per pixel; exact to ~1e-12 relative.
///
/// Schedule: as `ssimPlane` (fixed bands of output rows, one `parallelFor` item each, the moments
/// from `forEachLocalMomentRow`), in Double.
func vifScale(x: UnsafePointer<Double>, y: UnsafePointer<Double>, height: Int, width: Int,
              taps: [Double], noiseVariance: Double) -> VIFSums {
    let k = taps.count, radius = k / 2
    let outH = height - k + 1, outW = width - k + 1
    precondition(k % 2 == 1 && outH >= 1 && outW >= 1,
                 "vifScale needs an odd window no larger than the plane, got \(k) for \(height)×\(width)")
    let eps = 1e-10
    let bands = (outH + bandRows - 1) / bandRows
    var results = [VIFSums](repeating: VIFSums(), count: bands)

    results.withUnsafeMutableBufferPointer { results in
        taps.withUnsafeBufferPointer { tapBuffer in
            let tp = tapBuffer.baseAddress!
            parallelFor(bands) { band in
                let r0 = band * bandRows, r1 = min(outH, r0 + bandRows)
                let rows = UnsafeMutablePointer<Double>.allocate(capacity: 2 * outW)
                defer { rows.deallocate() }
                let numFactors = rows, denFactors = rows + outW
                var numLog2 = 0.0, denLog2 = 0.0
                forEachLocalMomentRow(x: x, y: y, width: width, taps: tp, radius: radius, rows: r0 ..< r1,
                                      shift: 0) { _, m in
                    let ma = m.meanX, mb = m.meanY, saa = m.squareX, sbb = m.squareY, sab = m.product
                    // Per-pixel VIF terms, branch-free selects in sewar's order (vectorisable).
                    for j in 0 ..< outW {
                        let ua = ma[j], ub = mb[j]
                        var s1 = saa[j] - ua * ua
                        var s2 = sbb[j] - ub * ub
                        let s12 = sab[j] - ua * ub
                        s1 = s1 < 0 ? 0 : s1
                        s2 = s2 < 0 ? 0 : s2
                        var g = s12 / (s1 + eps)
                        var sv = s2 - g * s12
                        let flatReference = s1 < eps
                        g = flatReference ? 0 : g
                        sv = flatReference ? s2 : sv
                        s1 = flatReference ? 0 : s1
                        let flatTest = s2 < eps
                        g = flatTest ? 0 : g
                        sv = flatTest ? 0 : sv
                        let negative = g < 0
                        sv = negative ? s2 : sv
                        g = negative ? 0 : g
                        sv = sv <= eps ? eps : sv
                        numFactors[j] = 1 + g * g * s1 / (sv + noiseVariance)
                        denFactors[j] = 1 + s1 / noiseVariance
                    }
                    numLog2 += log2OfProduct(numFactors, count: outW)
                    denLog2 += log2OfProduct(denFactors, count: outW)
                }
                results[band] = VIFSums(numerator: numLog2 * log10(2.0), denominator: denLog2 * log10(2.0))
            }
        }
    }
    return results.reduce(VIFSums()) { VIFSums(numerator: $0.numerator + $1.numerator,
                                                 denominator: $0.denominator + $1.denominator) }
}

/// log2 of the product of `n` factors ≥ 1, as four interleaved running products (independent
/// multiply chains), each renormalised to [1, 2) by its binary exponent once it passes 2^500
/// (no factor of finite Float-derived data reaches 2^500, so nothing overflows).
@inline(__always)
func log2OfProduct(_ factors: UnsafePointer<Double>, count n: Int) -> Double {
    var p0 = 1.0, p1 = 1.0, p2 = 1.0, p3 = 1.0
    var exponent = 0
    @inline(__always) func renormalise(_ p: inout Double) {
        if p > 0x1p500 { exponent += Int(p.exponent); p = p.significand }
    }
    var j = 0
    while j &+ 4 <= n {
        p0 *= factors[j]; p1 *= factors[j &+ 1]; p2 *= factors[j &+ 2]; p3 *= factors[j &+ 3]
        renormalise(&p0); renormalise(&p1); renormalise(&p2); renormalise(&p3)
        j &+= 4
    }
    while j < n { p0 *= factors[j]; renormalise(&p0); j &+= 1 }
    return Double(exponent) + (log2(p0) + log2(p1)) + (log2(p2) + log2(p3))
}

/// The 'valid' correlation of a plane with `taps ⊗ taps`, keeping every second row and column from
/// the first (sewar: `filter2(x, win, 'valid')[::2, ::2]`). Output ⌈(h−k+1)/2⌉ × ⌈(w−k+1)/2⌉.
func filteredHalf(_ plane: [Double], height: Int, width: Int, taps: [Double]) -> (pixels: [Double], height: Int, width: Int) {
    let k = taps.count
    let validH = height - k + 1, validW = width - k + 1
    let oh = (validH + 1) / 2, ow = (validW + 1) / 2
    var out = [Double](repeating: 0, count: oh * ow)
    plane.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            taps.withUnsafeBufferPointer { tp in
                let s = src.baseAddress!, d = dst.baseAddress!, t = tp.baseAddress!
                // One parallel level: bands of output rows (disjoint writes); each keeps a full-width vertical sum row.
                parallelFor((oh + bandRows - 1) / bandRows) { band in
                    let column = UnsafeMutablePointer<Double>.allocate(capacity: width)
                    defer { column.deallocate() }
                    for oy in band * bandRows ..< min(oh, (band + 1) * bandRows) {
                        let top = s + 2 * oy * width
                        for x in 0 ..< width { column[x] = t[0] * top[x] }
                        for r in 1 ..< k {
                            let row = top + r * width, w = t[r]
                            for x in 0 ..< width { column[x] += w * row[x] }
                        }
                        let outRow = d + oy * ow
                        for ox in 0 ..< ow {
                            var acc = 0.0
                            for c in 0 ..< k { acc += t[c] * column[2 * ox + c] }
                            outRow[ox] = acc
                        }
                    }
                }
            }
        }
    }
    return (out, oh, ow)
}
