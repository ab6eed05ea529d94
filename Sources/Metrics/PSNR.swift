import Foundation
import ImageCore

/// Peak signal-to-noise ratio, PSNR = 10 · log10(R² / MSE), with R the data range and MSE the mean
/// squared difference over every compared value (all channels pooled, or luma), accumulated in
/// Double. Identical images give +infinity (reported, never a crash).
///
/// Equal to scikit-image `peak_signal_noise_ratio(reference, test, data_range=R)`.
public struct PSNR: Metric {
    public let id = "psnr"
    public let displayName = "PSNR"
    public let higherIsBetter = true
    /// Peak-to-peak range of valid values (1.0 for float images in [0, 1]; 255 for 8-bit counts).
    public let dataRange: Double
    /// All channels pooled (default) or luma only.
    public let colour: ColourHandling
    /// Pixels ignored at each image border (e.g. to skip deconvolution boundary artefacts).
    public let borderCrop: Int

    /// - Precondition: `dataRange` positive and finite, `borderCrop` ≥ 0 (programmer errors).
    public init(dataRange: Double = 1.0, colour: ColourHandling = .channels, borderCrop: Int = 0) {
        precondition(dataRange > 0 && dataRange.isFinite, "PSNR data range must be positive and finite, got \(dataRange)")
        precondition(borderCrop >= 0, "PSNR border crop must be ≥ 0, got \(borderCrop)")
        self.dataRange = dataRange
        self.colour = colour
        self.borderCrop = borderCrop
    }

    public var description: String {
        let pooling = colour == .luma ? "luma (BT.601)" : "MSE pooled over all channels"
        let crop = borderCrop > 0 ? ", \(borderCrop)-pixel border excluded" : ""
        return "PSNR (dB, data range \(formatNumber(dataRange)), \(pooling)\(crop); identical images → +∞)"
    }

    public func score(reference: Image, test: Image) throws -> Double {
        let mse = try meanSquaredError(reference: reference, test: test)
        return mse == 0 ? .infinity : 10 * log10(dataRange * dataRange / mse)
    }

    /// The mean squared error over the compared values (after luma conversion and border crop).
    /// - Throws: `MetricsError` for mismatched or non-finite images, or a crop that leaves nothing.
    public func meanSquaredError(reference: Image, test: Image) throws -> Double {
        try validatePair(reference, test, metric: displayName, minimumSide: 2 * borderCrop + 1,
                         reason: "a \(borderCrop)-pixel border is excluded on each side",
                         checkValues: borderCrop > 0)   // uncropped: detected from the sum below
        let r = try planes(of: reference, colour: colour, metric: displayName)
        let t = try planes(of: test, colour: colour, metric: displayName)
        let h = r.height, w = r.width, b = borderCrop
        let rowsPerChannel = h - 2 * b
        var rowSums = [Double](repeating: 0, count: r.channels * rowsPerChannel)
        r.pixels.withUnsafeBufferPointer { rp in
            t.pixels.withUnsafeBufferPointer { tp in
                rowSums.withUnsafeMutableBufferPointer { sums in
                    // One parallel level: rows (each writes its own slot; summed in order below).
                    parallelFor(sums.count) { item in
                        let c = item / rowsPerChannel, y = b + item % rowsPerChannel
                        let row = (c &* h &+ y) &* w
                        // Differences of Floats are exact in Double; four accumulators keep the adds
                        // off one latency chain.
                        let rr = rp.baseAddress! + row, tr = tp.baseAddress! + row
                        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                        var x = b
                        while x &+ 4 <= w &- b {
                            let d0 = Double(rr[x]) - Double(tr[x]), d1 = Double(rr[x &+ 1]) - Double(tr[x &+ 1])
                            let d2 = Double(rr[x &+ 2]) - Double(tr[x &+ 2]), d3 = Double(rr[x &+ 3]) - Double(tr[x &+ 3])
                            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
                            x &+= 4
                        }
                        while x < w &- b {
                            let d = Double(rr[x]) - Double(tr[x])
                            s0 += d * d
                            x &+= 1
                        }
                        sums[item] = (s0 + s1) + (s2 + s3)
                    }
                }
            }
        }
        let total = rowSums.reduce(0, +)
        if !total.isFinite {
            // A NaN or infinity in either image (finite Floats cannot overflow the Double sum): name it.
            try checkFinite(reference, metric: displayName, name: "reference")
            try checkFinite(test, metric: displayName, name: "test")
        }
        let count = r.channels * (h - 2 * b) * (w - 2 * b)
        return total / Double(count)
    }
}

/// PSNR in dB of `test` against `reference` over all channels (see `PSNR`).
public func psnr(reference: Image, test: Image, dataRange: Double = 1.0) throws -> Double {
    try PSNR(dataRange: dataRange).score(reference: reference, test: test)
}
