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
/// parallel level). Inside a band each input row is expanded once into five products
/// (x', y', x'², y'², x'y'), filtered horizontally into a ring of 2k row slots, and each output row is the
/// vertical filter over the ring. Scratch is allocated once per band.
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
                let rowWidth = width, ringWidth = outW        // product rows, filtered rows
                let scratchCount = 5 * rowWidth + 2 * k * 5 * ringWidth + 5 * ringWidth + 2 * ringWidth
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
                scratch.initialize(repeating: 0, count: scratchCount)
                defer { scratch.deallocate() }
                let products = scratch
                let ring = products + 5 * rowWidth
                let stats = ring + 2 * k * 5 * ringWidth
                let ssimRow = stats + 5 * ringWidth, csRow = ssimRow + ringWidth
                var sums = SSIMSums()

                for i in r0 ..< r1 + k - 1 {
                    // 1. The five products of input row i (values shifted by `offset`).
                    let xr = x + i &* width, yr = y + i &* width
                    let pa = products, pb = pa + rowWidth, paa = pb + rowWidth, pbb = paa + rowWidth, pab = pbb + rowWidth
                    for j in 0 ..< width {
                        let a = xr[j] - offset, b = yr[j] - offset
                        pa[j] = a; pb[j] = b; paa[j] = a * a; pbb[j] = b * b; pab[j] = a * b
                    }
                    // 2. Horizontal filter into the ring of 2k slots: row i goes to slots i mod k and
                    //    (i mod k) + k, so input rows r … r+k−1 are always k consecutive slots (one base
                    //    pointer for the vertical pass).
                    let slotStride = 5 &* ringWidth
                    let slot = ring + (i % k) &* slotStride
                    for m in 0 ..< 5 {
                        correlateRow(products + m &* rowWidth, slot + m &* ringWidth, count: outW,
                                     taps: tp, radius: radius)
                    }
                    (slot + k &* slotStride).update(from: slot, count: slotStride)
                    guard i >= r0 + k - 1 else { continue }
                    // 3. Output row r: vertical filter over input rows r … r+k−1, then SSIM.
                    let r = i - (k - 1)
                    let first = ring + (r % k) &* slotStride
                    for m in 0 ..< 5 {
                        correlateColumns(first + m &* ringWidth, stride: slotStride, stats + m &* ringWidth,
                                         count: outW, taps: tp, radius: radius)
                    }
                    let ma = stats, mb = ma + ringWidth, saa = mb + ringWidth, sbb = saa + ringWidth, sab = sbb + ringWidth
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
