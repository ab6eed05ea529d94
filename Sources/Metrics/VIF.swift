import ImageCore

/// Visual information fidelity in the pixel domain, VIFp (Sheikh & Bovik 2006), multi-scale as in
/// the authors' `vifp_mscale.m` and sewar 0.4.10 `vifp`:
///
///     VIFp = Σₛ Σᵢ log10(1 + gᵢ² σx,ᵢ² / (σv,ᵢ² + σn²)) / Σₛ Σᵢ log10(1 + σx,ᵢ² / σn²)
///
/// over 4 scales s with Gaussian windows N = 17, 9, 5, 3 (σ = N/5), statistics on 'valid' window
/// positions only; scale s > 1 is the previous scale filtered with that scale's window ('valid') and
/// subsampled by 2 from the first row/column. σn² = 2 on the 0–255 scale: values are multiplied by
/// 255 / dataRange first. Reference x, test y; see `vifScale` for the per-pixel rules.
///
/// Colour: by default VIFp of luma (BT.601) — one number that follows perceived detail and costs a
/// third; `.channels` gives the mean of per-channel VIFp (what sewar's `vifp` returns for RGB).
/// VIFp(x, x) = 1; needs sides ≥ 41 pixels so that every scale holds its window. A reference without
/// any structure (σx² < ε everywhere, e.g. constant) carries no information and VIFp is 0/0: reported
/// as 1 when the test plane is identical and 0 otherwise (sewar returns NaN).
///
/// [1] H. R. Sheikh, A. C. Bovik, "Image information and visual quality", IEEE TIP 15(2), 2006.
public struct VIF: Metric {
    public let id = "vif"
    public let displayName = "VIF"
    public let higherIsBetter = true
    /// Peak-to-peak range of valid values (1.0 for float images); values are rescaled to 0–255.
    public let dataRange: Double
    /// Luma (default) or the mean of per-channel VIFp.
    public let colour: ColourHandling
    /// Variance of the visual noise σn² on the 0–255 scale (2 in [1]).
    public let noiseVariance: Double

    /// - Precondition: `dataRange` and `noiseVariance` positive and finite.
    public init(dataRange: Double = 1.0, colour: ColourHandling = .luma, noiseVariance: Double = 2) {
        precondition(dataRange > 0 && dataRange.isFinite, "VIF data range must be positive and finite, got \(dataRange)")
        precondition(noiseVariance > 0 && noiseVariance.isFinite, "VIF noise variance must be positive, got \(noiseVariance)")
        self.dataRange = dataRange
        self.colour = colour
        self.noiseVariance = noiseVariance
    }

    public var description: String {
        let channels = colour == .luma ? "luma (BT.601)" : "mean of per-channel VIFp"
        return "VIF (pixel-domain VIFp, Sheikh & Bovik 2006 vifp_mscale.m: 4 scales, Gaussian windows 17/9/5/3 σ=N/5, valid filtering, σn²=\(formatNumber(noiseVariance)) on 0–255 values (data range \(formatNumber(dataRange))), \(channels); = sewar 0.4.10 vifp)"
    }

    /// Window sides of the four scales.
    public static let windowSizes = [17, 9, 5, 3]

    /// The smallest image side for which every scale holds its window (41).
    public static var minimumSide: Int {
        (1 ... 10_000).first { side in
            var s = side
            for (scale, n) in windowSizes.enumerated() {
                if scale > 0 {
                    guard s >= n else { return false }
                    s = (s - n + 2) / 2
                }
                guard s >= n else { return false }
            }
            return true
        }!
    }

    public func score(reference: Image, test: Image) throws -> Double {
        try validatePair(reference, test, metric: displayName, minimumSide: VIF.minimumSide,
                         reason: "the 17×17 window at full size and the 9, 5 and 3 windows at three halvings must fit")
        let r = try planes(of: reference, colour: colour, metric: displayName)
        let t = try planes(of: test, colour: colour, metric: displayName)
        var total = 0.0
        for c in 0 ..< r.channels {
            total += planeScore(r, t, channel: c)
        }
        return total / Double(r.channels)
    }

    private func planeScore(_ reference: Image, _ test: Image, channel c: Int) -> Double {
        let n = reference.planeSize, start = c * n
        // 0–255 scale, shifted by the reference mean (VIF depends on variances only; the shift keeps
        // the Double moments well conditioned).
        let scale = 255.0 / dataRange
        var mean = 0.0
        for i in start ..< start + n { mean += Double(reference.pixels[i]) }
        mean /= Double(n)
        var x = [Double](repeating: 0, count: n), y = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            x[i] = (Double(reference.pixels[start + i]) - mean) * scale
            y[i] = (Double(test.pixels[start + i]) - mean) * scale
        }
        var h = reference.height, w = reference.width
        var sums = VIFSums()
        for (s, size) in VIF.windowSizes.enumerated() {
            let taps = SSIMConstants.gaussianWindow(size: size, sigma: Double(size) / 5)
            if s > 0 {
                let hx = filteredHalf(x, height: h, width: w, taps: taps)
                let hy = filteredHalf(y, height: h, width: w, taps: taps)
                x = hx.pixels; y = hy.pixels; h = hx.height; w = hx.width
            }
            let scaleSums = x.withUnsafeBufferPointer { xb in
                y.withUnsafeBufferPointer { yb in
                    vifScale(x: xb.baseAddress!, y: yb.baseAddress!, height: h, width: w,
                             taps: taps, noiseVariance: noiseVariance)
                }
            }
            sums.numerator += scaleSums.numerator
            sums.denominator += scaleSums.denominator
        }
        // A reference without any structure (σx² < ε everywhere) carries no information: VIF is 0/0.
        // Report 1 when the test image is identical, else 0, instead of NaN.
        if sums.denominator == 0 { return reference.pixels[start ..< start + n] == test.pixels[start ..< start + n] ? 1 : 0 }
        return sums.numerator / sums.denominator
    }
}

/// VIFp of luma, `test` against `reference` (see `VIF`).
public func vif(reference: Image, test: Image, dataRange: Double = 1.0) throws -> Double {
    try VIF(dataRange: dataRange).score(reference: reference, test: test)
}
