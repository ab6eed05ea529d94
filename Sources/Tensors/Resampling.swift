import Foundation
import ImageCore

// Upsampling and pixel shuffle: forward kernels and their adjoints, over `planes = N·C` planes.
// Each is parallel over planes with `parallelFor` (no BLAS inside).

/// Nearest-neighbour upsampling by an integer factor: `out[y, x] = in[y / s, x / s]`.
///
///     input (N, C, H, W) -> output (N, C, H·s, W·s)
public func upsampleNearestForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                   planes: Int, height h: Int, width w: Int, scale s: Int) {
    let shared = UncheckedSendable((input, output))  // disjoint planes per iteration
    parallelFor(planes) { p in
        let (input, output) = shared.value
        let src = input + p &* h &* w, dst = output + p &* h &* w &* s &* s
        for y in 0 ..< h &* s {
            let srow = src + (y / s) &* w, drow = dst + y &* w &* s
            for x in 0 ..< w &* s { drow[x] = srow[x / s] }
        }
    }
}

/// Adjoint of nearest upsampling: each input gradient is the sum over its s×s block.
///
///     dOutput (N, C, H·s, W·s) -> dInput (N, C, H, W)  (overwritten, or added to with `accumulate`)
public func upsampleNearestBackward(dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                                    planes: Int, height h: Int, width w: Int, scale s: Int, accumulate: Bool = false) {
    let shared = UncheckedSendable((dOutput, dInput))  // disjoint planes per iteration
    parallelFor(planes) { p in
        let (dOutput, dInput) = shared.value
        let src = dOutput + p &* h &* w &* s &* s, dst = dInput + p &* h &* w
        if !accumulate { dst.update(repeating: 0, count: h &* w) }
        for y in 0 ..< h &* s {
            let srow = src + y &* w &* s, drow = dst + (y / s) &* w
            for x in 0 ..< w &* s { drow[x / s] += srow[x] }
        }
    }
}

/// Source taps of bilinear resampling along one axis, `align_corners=False` (PyTorch, and TF/Keras
/// `half_pixel_centers`): output `o` samples input `(o + 0.5)·in/out − 0.5`, clamped to `[0, in − 1]`.
func bilinearTaps(input n: Int, output m: Int) -> [(Int, Int, Float)] {
    let scale = Float(n) / Float(m)
    return (0 ..< m).map { o in
        let src = max(0, (Float(o) + 0.5) * scale - 0.5)
        let i0 = min(Int(src), n - 1), i1 = min(i0 + 1, n - 1)
        return (i0, i1, src - Float(i0))
    }
}

/// Bilinear upsampling to `outHeight × outWidth` with half-pixel centres (PyTorch
/// `F.interpolate(mode="bilinear", align_corners=False)`, Keras `UpSampling2D(interpolation="bilinear")`).
///
///     input (N, C, H, W) -> output (N, C, outHeight, outWidth)
public func upsampleBilinearForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, planes: Int,
                                    height h: Int, width w: Int, outHeight oh: Int, outWidth ow: Int) {
    let ys = bilinearTaps(input: h, output: oh), xs = bilinearTaps(input: w, output: ow)
    let shared = UncheckedSendable((input, output))  // disjoint planes per iteration
    parallelFor(planes) { p in
        let (input, output) = shared.value
        let src = input + p &* h &* w, dst = output + p &* oh &* ow
        for y in 0 ..< oh {
            let (y0, y1, ly) = ys[y]
            let r0 = src + y0 &* w, r1 = src + y1 &* w, drow = dst + y &* ow
            for x in 0 ..< ow {
                let (x0, x1, lx) = xs[x]
                let top = r0[x0] + (r0[x1] - r0[x0]) * lx
                let bottom = r1[x0] + (r1[x1] - r1[x0]) * lx
                drow[x] = top + (bottom - top) * ly
            }
        }
    }
}

/// Adjoint of bilinear upsampling: each output gradient is spread back over its four taps.
///
///     dOutput (N, C, outHeight, outWidth) -> dInput (N, C, H, W)  (overwritten, or added to with `accumulate`)
public func upsampleBilinearBackward(dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, planes: Int,
                                     height h: Int, width w: Int, outHeight oh: Int, outWidth ow: Int,
                                     accumulate: Bool = false) {
    let ys = bilinearTaps(input: h, output: oh), xs = bilinearTaps(input: w, output: ow)
    let shared = UncheckedSendable((dOutput, dInput))  // disjoint planes per iteration
    parallelFor(planes) { p in
        let (dOutput, dInput) = shared.value
        let src = dOutput + p &* oh &* ow, dst = dInput + p &* h &* w
        if !accumulate { dst.update(repeating: 0, count: h &* w) }
        for y in 0 ..< oh {
            let (y0, y1, ly) = ys[y]
            let r0 = dst + y0 &* w, r1 = dst + y1 &* w, grow = src + y &* ow
            for x in 0 ..< ow {
                let (x0, x1, lx) = xs[x]
                let g = grow[x]
                r0[x0] += g * (1 - ly) * (1 - lx); r0[x1] += g * (1 - ly) * lx
                r1[x0] += g * ly * (1 - lx); r1[x1] += g * ly * lx
            }
        }
    }
}

/// Pixel shuffle (Shi et al. 2016, sub-pixel convolution): channel `c·r² + i·r + j` at `(y, x)`
/// moves to channel `c` at `(y·r + i, x·r + j)`, as PyTorch `nn.PixelShuffle(r)`.
///
///     input (N, C·r², H, W) -> output (N, C, H·r, W·r)
///
/// With `inverse` it is the exact inverse (PyTorch `PixelUnshuffle`), which is also its adjoint
/// (the map is a permutation), so the backward pass of one is the forward pass of the other.
public func pixelShuffle(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                         channels c: Int, height h: Int, width w: Int, factor r: Int, inverse: Bool = false) {
    // `c`, `h`, `w` are the shuffled (small, many-channel) side: (N, c·r², h, w) <-> (N, c, h·r, w·r).
    let shared = UncheckedSendable((input, output))  // disjoint planes per iteration
    parallelFor(batch &* c) { plane in
        let (input, output) = shared.value
        let n = plane / c, ch = plane % c
        for i in 0 ..< r {
            for j in 0 ..< r {
                let small = (n &* c &* r &* r &+ ch &* r &* r &+ i &* r &+ j) &* h &* w
                let big = plane &* h &* r &* w &* r
                for y in 0 ..< h {
                    for x in 0 ..< w {
                        let s = small &+ y &* w &+ x, b = big &+ (y &* r &+ i) &* w &* r &+ x &* r &+ j
                        if inverse { output[s] = input[b] } else { output[b] = input[s] }
                    }
                }
            }
        }
    }
}
