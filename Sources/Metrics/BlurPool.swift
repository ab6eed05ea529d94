import ImageCore
import Tensors

/// ST-LPIPS's anti-aliased downsampling stage (Zhang 2019 "MaxBlurPool", `models_lpf.Downsample`
/// with `pad_more=True`), fused into one pass per plane:
///
///     input (N, C, H, W) → [3×3 max-pool, stride 1]  → reflection pad 2 (PyTorch ReflectionPad2d)
///                        → depthwise [1,2,1]⊗[1,2,1]/16, stride 2 → [ReLU]   → (N, C, OH, OW)
///     H' = H − 2 with the max-pool, else H;  OH = (H' + 1)/2 + 1  (same for W)
///
/// Equal to `maxPool2d` → `pad2d(.reflect)` → `conv2d(groups: C)` of the Tensors module (the tests
/// compare them), but separable and without im2col: the generic grouped convolution spends most of
/// its time on 1-row matrix products here. Schedule: `parallelFor` over planes (the only level).
/// - Precondition: H', W' > 2 (reflection needs the pad narrower than the input).
func blurPool(_ input: Tensor, maxPoolFirst: Bool, reluAfter: Bool) -> Tensor {
    precondition(input.rank == 4, "blurPool needs (N, C, H, W), got \(input.shape)")
    let h = input.shape[2], w = input.shape[3]
    let ph = maxPoolFirst ? h - 2 : h, pw = maxPoolFirst ? w - 2 : w
    precondition(ph > 2 && pw > 2, "blurPool needs the pooled plane larger than 2×2, got \(ph)×\(pw)")
    let oh = (ph + 1) / 2 + 1, ow = (pw + 1) / 2 + 1
    let planes = input.shape[0] * input.shape[1]
    var output = Tensor.uninitialized(shape: [input.shape[0], input.shape[1], oh, ow])

    // PyTorch reflection (no edge repeat) of the three taps of each output column.
    func reflect(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i) }
    let columns = (0 ..< ow).flatMap { ox in [reflect(2 * ox - 2, pw), reflect(2 * ox - 1, pw), reflect(2 * ox, pw)] }
    let rows = (0 ..< oh).flatMap { oy in [reflect(2 * oy - 2, ph), reflect(2 * oy - 1, ph), reflect(2 * oy, ph)] }

    input.withUnsafeBufferPointer { src in
        output.withUnsafeMutableBufferPointer { dst in
            columns.withUnsafeBufferPointer { cols in
                rows.withUnsafeBufferPointer { rws in
                    let source = src.baseAddress!, target = dst.baseAddress!
                    parallelFor(planes) { p in
                        let plane = source + p &* h &* w
                        // Scratch per plane: row maxima (h × pw) and the pooled plane (ph × pw) when
                        // max-pooling, plus one vertically blurred row (pw).
                        let pooledCount = maxPoolFirst ? h * pw + ph * pw : 0
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: pooledCount + pw)
                        defer { scratch.deallocate() }
                        var pooled = UnsafePointer(plane)
                        if maxPoolFirst {
                            // Separable 3×3 max: maxima of three neighbours along each row, then of three rows.
                            let rowMax = scratch, out = scratch + h &* pw
                            for y in 0 ..< h {
                                let line = plane + y &* w, m = rowMax + y &* pw
                                for x in 0 ..< pw { m[x] = max(line[x], max(line[x &+ 1], line[x &+ 2])) }
                            }
                            for y in 0 ..< ph {
                                let r0 = rowMax + y &* pw, r1 = r0 + pw, r2 = r1 + pw, o = out + y &* pw
                                for x in 0 ..< pw { o[x] = max(r0[x], max(r1[x], r2[x])) }
                            }
                            pooled = UnsafePointer(out)
                        }
                        let column = scratch + pooledCount
                        let outPlane = target + p &* oh &* ow
                        for oy in 0 ..< oh {
                            let a = pooled + rws[3 &* oy] &* pw, b = pooled + rws[3 &* oy &+ 1] &* pw
                            let c = pooled + rws[3 &* oy &+ 2] &* pw
                            for x in 0 ..< pw { column[x] = a[x] + 2 * b[x] + c[x] }
                            let line = outPlane + oy &* ow
                            for ox in 0 ..< ow {
                                let i = 3 &* ox
                                let v = (column[cols[i]] + 2 * column[cols[i &+ 1]] + column[cols[i &+ 2]]) * 0.0625
                                line[ox] = reluAfter ? max(v, 0) : v
                            }
                        }
                    }
                }
            }
        }
    }
    return output
}
