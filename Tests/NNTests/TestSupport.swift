import Foundation
import ImageCore
@testable import Tensors

/// Seeded tensors and naive reference kernels shared by the tests. The naive twins are written as
/// plainly as possible (nested loops straight from the definition, Double sums) so they can be
/// trusted over the optimised kernels.
enum Ref {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Uniform values in [-1, 1) from a seed.
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRNG(seed: seed)
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0 ..< n).map { _ in Float(rng.uniform(in: -1 ... 1)) })
    }

    /// Naive convolution: out[n,o,y,x] = b[o] + Σ w[o,c,i,j] · in[n, g·Cg + c, y·s − p + i·d, x·s − p + j·d].
    static func conv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int, dilation d: Int = 1, groups: Int = 1) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oc, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        precondition(cg * groups == c)
        let oh = (h + 2 * p - d * (kh - 1) - 1) / s + 1, ow = (wd + 2 * p - d * (kw - 1) - 1) / s + 1
        var out = Tensor(shape: [n, oc, oh, ow])
        let ocg = oc / groups
        for b0 in 0 ..< n { for o in 0 ..< oc { for y in 0 ..< oh { for xx in 0 ..< ow {
            var sum = Double(b?[o] ?? 0)
            let grp = o / ocg
            for ci in 0 ..< cg { for i in 0 ..< kh { for j in 0 ..< kw {
                let iy = y * s - p + i * d, ix = xx * s - p + j * d
                if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                    sum += Double(w[o, ci, i, j]) * Double(x[b0, grp * cg + ci, iy, ix])
                }
            } } }
            out[b0, o, y, xx] = Float(sum)
        } } } }
        return out
    }

    /// Naive transposed convolution (scatter form, the definition PyTorch documents):
    /// out[n, o, y·s − p + i·d, x·s − p + j·d] += w[c, o, i, j] · in[n, c, y, x], weight (Cin, Cout, KH, KW).
    static func convTranspose2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int,
                                outputPadding op: Int, dilation d: Int = 1) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
        let oh = (h - 1) * s - 2 * p + d * (kh - 1) + op + 1, ow = (wd - 1) * s - 2 * p + d * (kw - 1) + op + 1
        var acc = [Double](repeating: 0, count: n * cout * oh * ow)
        for b0 in 0 ..< n { for ci in 0 ..< c { for y in 0 ..< h { for xx in 0 ..< wd {
            for o in 0 ..< cout { for i in 0 ..< kh { for j in 0 ..< kw {
                let oy = y * s - p + i * d, ox = xx * s - p + j * d
                if oy >= 0 && oy < oh && ox >= 0 && ox < ow {
                    acc[((b0 * cout + o) * oh + oy) * ow + ox] += Double(w[ci, o, i, j]) * Double(x[b0, ci, y, xx])
                }
            } } }
        } } } }
        if let b { for b0 in 0 ..< n { for o in 0 ..< cout { for q in 0 ..< oh * ow { acc[(b0 * cout + o) * oh * ow + q] += Double(b[o]) } } } }
        return Tensor(shape: [n, cout, oh, ow], scalars: acc.map { Float($0) })
    }

    /// Naive max pool (padding never wins).
    static func maxPool(_ x: Tensor, k: Int, s: Int, p: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        var out = Tensor(shape: [n, c, oh, ow])
        for b in 0 ..< n { for ch in 0 ..< c { for y in 0 ..< oh { for xx in 0 ..< ow {
            var m = -Float.infinity
            for i in 0 ..< k { for j in 0 ..< k {
                let iy = y * s - p + i, ix = xx * s - p + j
                if iy >= 0 && iy < h && ix >= 0 && ix < w { m = max(m, x[b, ch, iy, ix]) }
            } }
            out[b, ch, y, xx] = m
        } } } }
        return out
    }

    /// Largest |a − b| / (1 + |b|): a relative-or-absolute error, whichever is looser.
    static func maxError(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)")
        var m: Float = 0
        for i in 0 ..< a.count {
            let e = abs(a[i] - b[i]) / (1 + abs(b[i]))
            if !(e <= m) { m = e.isNaN ? .infinity : e }  // a NaN (an unwritten output) must fail, not vanish in max
        }
        return m
    }
}
