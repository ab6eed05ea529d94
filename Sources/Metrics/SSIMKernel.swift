import ImageCore

/// Sums of the per-pixel SSIM and contrast–structure (cs) terms over the 'valid' window positions
/// of one plane pair, and how many positions there were.
struct SSIMSums {
    var ssim = 0.0
    var cs = 0.0
    var count = 0

    static func + (a: SSIMSums, b: SSIMSums) -> SSIMSums {
        SSIMSums(ssim: a.ssim + b.ssim, cs: a.cs + b.cs, count: a.count + b.count)
    }
}

/// SSIM of one plane pair at every 'valid' window position (the window lies inside the image).
///
/// Algorithm (Wang 2004): with w the separable window `taps ⊗ taps`, μx = w ⋆ x, σx² = n·(w ⋆ x² − μx²),
/// σxy = n·(w ⋆ xy − μx μy) (n = `covarianceNorm`), cs = (2σxy + C2)/(σx² + σy² + C2),
/// SSIM = (2μxμy + C1)/(μx² + μy² + C1) · cs.
/// Shape contract: x, y are `height × width` row-major planes; output positions are
/// (height − k + 1) × (width − k + 1) with k = taps.count; `map`, when given, receives the
/// per-position SSIM with that shape.
///
/// Precision: Float filtering on values shifted by a common offset (about the images' mean), which
/// leaves σ unchanged but avoids the cancellation in w ⋆ x² − μx²; sums in Double.
///
/// Schedule: output rows in fixed bands of `bandRows`, one `parallelFor` item per band (the only
/// parallel level); inside a band the moments come row by row from `forEachLocalMomentRow`.
func ssimPlane(x: UnsafePointer<Float>, y: UnsafePointer<Float>, height: Int, width: Int,
               taps tapsDouble: [Double], c1: Double, c2: Double, covarianceNorm: Double,
               map: UnsafeMutablePointer<Float>?) -> SSIMSums {
    let k = tapsDouble.count, radius = k / 2
    let outH = height - k + 1, outW = width - k + 1
    precondition(k % 2 == 1 && outH >= 1 && outW >= 1,
                 "ssimPlane needs an odd window no larger than the plane, got \(k) for \(height)×\(width)")
    let taps = tapsDouble.map { Float($0) }
    let offset = sampledMean(x, y, count: height * width)
    let fc1 = Float(c1), fc2 = Float(c2), norm = Float(covarianceNorm)
    let bands = (outH + bandRows - 1) / bandRows
    var results = [SSIMSums](repeating: SSIMSums(), count: bands)

    results.withUnsafeMutableBufferPointer { results in
        taps.withUnsafeBufferPointer { tapBuffer in
            let tp = tapBuffer.baseAddress!
            parallelFor(bands) { band in
                let r0 = band * bandRows, r1 = min(outH, r0 + bandRows)
                let rows = UnsafeMutablePointer<Float>.allocate(capacity: 2 * outW)
                defer { rows.deallocate() }
                let ssimRow = rows, csRow = rows + outW
                var sums = SSIMSums()
                forEachLocalMomentRow(x: x, y: y, width: width, taps: tp, radius: radius, rows: r0 ..< r1,
                                      shift: offset) { r, m in
                    let ma = m.meanX, mb = m.meanY, saa = m.squareX, sbb = m.squareY, sab = m.product
                    for j in 0 ..< outW {
                        let ua = ma[j], ub = mb[j]
                        let vx = norm * (saa[j] - ua * ua)
                        let vy = norm * (sbb[j] - ub * ub)
                        let vxy = norm * (sab[j] - ua * ub)
                        let mx = ua + offset, my = ub + offset
                        let cs = (2 * vxy + fc2) / (vx + vy + fc2)
                        csRow[j] = cs
                        ssimRow[j] = (2 * mx * my + fc1) / (mx * mx + my * my + fc1) * cs
                    }
                    sums.ssim += sumFloats(ssimRow, count: outW)
                    sums.cs += sumFloats(csRow, count: outW)
                    if let map {
                        (map + r &* outW).update(from: ssimRow, count: outW)
                    }
                }
                sums.count = (r1 - r0) * outW
                results[band] = sums
            }
        }
    }
    return results.reduce(SSIMSums(), +)
}

/// The mean of about 4096 evenly spaced samples of x and y: a cheap shift that brings the filtered
/// moments near zero (any constant is exact in theory; this one keeps Float cancellation small).
func sampledMean(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
    let step = max(1, count / 4096)
    var sum = 0.0, n = 0
    var i = 0
    while i < count {
        sum += Double(x[i]) + Double(y[i])
        n += 2
        i += step
    }
    return Float(sum / Double(n))
}
