// Row kernels shared by the SSIM, MS-SSIM and VIF schedules (`MomentScalar.filterRow` and
// `filterColumns`, used by `forEachLocalMomentRow`): 1-D correlation with a symmetric,
// odd-length window over flat buffers. Written as plain loops with one expression per output
// value, which the compiler vectorises (and which stay fast in debug builds); the common radii
// (Float 5 and 3: SSIM's 11 and 7 windows; Double 8 and 4: VIFp's 17 and 9) are unrolled, any
// other radius takes a generic pass per tap pair.
//
// Shape contract (horizontal): `src` holds n + 2·radius values, `dst` receives n values,
//   dst[j] = Σ_t taps[t] · src[j + t],  t = 0 … 2·radius,  taps[t] == taps[2·radius − t].
// Shape contract (vertical): rows t = 0 … 2·radius start at `base + t·stride`,
//   dst[j] = Σ_t taps[t] · base[t·stride + j].

extension Float: MomentScalar {
    /// Horizontal symmetric correlation (Float); see the shape contract above.
    @inline(__always)
    static func filterRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count n: Int,
                          taps w: UnsafePointer<Float>, radius: Int) {
        switch radius {
        case 5:
            let w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], c = w[5]
            for j in 0 ..< n {
                let p = src + j
                dst[j] = c * p[5] + w0 * (p[0] + p[10]) + w1 * (p[1] + p[9]) + w2 * (p[2] + p[8])
                    + w3 * (p[3] + p[7]) + w4 * (p[4] + p[6])
            }
        case 3:
            let w0 = w[0], w1 = w[1], w2 = w[2], c = w[3]
            for j in 0 ..< n {
                let p = src + j
                dst[j] = c * p[3] + w0 * (p[0] + p[6]) + w1 * (p[1] + p[5]) + w2 * (p[2] + p[4])
            }
        default:
            filterColumns(src, stride: 1, dst, count: n, taps: w, radius: radius)
        }
    }

    /// Vertical symmetric correlation (Float) over rows `base + t·stride`; see the shape contract above.
    @inline(__always)
    static func filterColumns(_ base: UnsafePointer<Float>, stride s: Int, _ dst: UnsafeMutablePointer<Float>,
                              count n: Int, taps w: UnsafePointer<Float>, radius: Int) {
        switch radius {
        case 5 where s > 1:
            let w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], c = w[5]
            let r0 = base, r1 = base + s, r2 = base + 2 &* s, r3 = base + 3 &* s, r4 = base + 4 &* s
            let r5 = base + 5 &* s, r6 = base + 6 &* s, r7 = base + 7 &* s, r8 = base + 8 &* s
            let r9 = base + 9 &* s, r10 = base + 10 &* s
            for j in 0 ..< n {
                dst[j] = c * r5[j] + w0 * (r0[j] + r10[j]) + w1 * (r1[j] + r9[j]) + w2 * (r2[j] + r8[j])
                    + w3 * (r3[j] + r7[j]) + w4 * (r4[j] + r6[j])
            }
        case 3 where s > 1:
            let w0 = w[0], w1 = w[1], w2 = w[2], c = w[3]
            let r0 = base, r1 = base + s, r2 = base + 2 &* s, r3 = base + 3 &* s
            let r4 = base + 4 &* s, r5 = base + 5 &* s, r6 = base + 6 &* s
            for j in 0 ..< n {
                dst[j] = c * r3[j] + w0 * (r0[j] + r6[j]) + w1 * (r1[j] + r5[j]) + w2 * (r2[j] + r4[j])
            }
        default:
            filterByTapPairs(base, stride: s, dst, count: n, taps: w, radius: radius)
        }
    }
}

extension Double: MomentScalar {
    /// Horizontal symmetric correlation (Double); see the shape contract above. Radii 8 and 4 (VIFp's
    /// 17- and 9-tap windows) are unrolled, others take the generic path.
    @inline(__always)
    static func filterRow(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, count n: Int,
                          taps w: UnsafePointer<Double>, radius: Int) {
        switch radius {
        case 8:
            let w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], c = w[8]
            for j in 0 ..< n {
                let p = src + j
                dst[j] = c * p[8] + w0 * (p[0] + p[16]) + w1 * (p[1] + p[15]) + w2 * (p[2] + p[14])
                    + w3 * (p[3] + p[13]) + w4 * (p[4] + p[12]) + w5 * (p[5] + p[11]) + w6 * (p[6] + p[10])
                    + w7 * (p[7] + p[9])
            }
        case 4:
            let w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], c = w[4]
            for j in 0 ..< n {
                let p = src + j
                dst[j] = c * p[4] + w0 * (p[0] + p[8]) + w1 * (p[1] + p[7]) + w2 * (p[2] + p[6])
                    + w3 * (p[3] + p[5])
            }
        default:
            filterColumns(src, stride: 1, dst, count: n, taps: w, radius: radius)
        }
    }

    /// Vertical symmetric correlation (Double) over rows `base + t·stride`; radii 8 and 4 unrolled.
    @inline(__always)
    static func filterColumns(_ base: UnsafePointer<Double>, stride s: Int, _ dst: UnsafeMutablePointer<Double>,
                              count n: Int, taps w: UnsafePointer<Double>, radius: Int) {
        switch radius {
        case 8 where s > 1:
            let w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], c = w[8]
            for j in 0 ..< n {
                let p = base + j
                dst[j] = c * p[8 &* s] + w0 * (p[0] + p[16 &* s]) + w1 * (p[s] + p[15 &* s])
                    + w2 * (p[2 &* s] + p[14 &* s]) + w3 * (p[3 &* s] + p[13 &* s]) + w4 * (p[4 &* s] + p[12 &* s])
                    + w5 * (p[5 &* s] + p[11 &* s]) + w6 * (p[6 &* s] + p[10 &* s]) + w7 * (p[7 &* s] + p[9 &* s])
            }
        case 4 where s > 1:
            let w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], c = w[4]
            for j in 0 ..< n {
                let p = base + j
                dst[j] = c * p[4 &* s] + w0 * (p[0] + p[8 &* s]) + w1 * (p[s] + p[7 &* s])
                    + w2 * (p[2 &* s] + p[6 &* s]) + w3 * (p[3 &* s] + p[5 &* s])
            }
        default:
            filterByTapPairs(base, stride: s, dst, count: n, taps: w, radius: radius)
        }
    }
}

/// Vertical symmetric correlation for any radius, one pass per symmetric tap pair: the fallback of
/// both conformances for the radii they do not unroll (same shape contract).
@inline(__always)
func filterByTapPairs<T: FloatingPoint>(_ base: UnsafePointer<T>, stride s: Int, _ dst: UnsafeMutablePointer<T>,
                                        count n: Int, taps w: UnsafePointer<T>, radius: Int) {
    let centre = w[radius], mid = base + radius &* s
    for j in 0 ..< n { dst[j] = centre * mid[j] }
    for t in 0 ..< radius {
        let weight = w[t]
        let a = base + t &* s, b = base + (2 &* radius &- t) &* s
        for j in 0 ..< n { dst[j] += weight * (a[j] + b[j]) }
    }
}

/// Sum of `n` Floats accumulated in Double (four accumulators break the add latency chain).
@inline(__always)
func sumFloats(_ p: UnsafePointer<Float>, count n: Int) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var j = 0
    while j &+ 4 <= n {
        s0 += Double(p[j]); s1 += Double(p[j &+ 1]); s2 += Double(p[j &+ 2]); s3 += Double(p[j &+ 3])
        j &+= 4
    }
    while j < n { s0 += Double(p[j]); j &+= 1 }
    return (s0 + s1) + (s2 + s3)
}

/// Fixed band height for row-band schedules: fixed (not derived from the thread count) so that
/// the order of the Double sums, and therefore every score, is identical for any `DEBLUR_THREADS`.
let bandRows = 32
