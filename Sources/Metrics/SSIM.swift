import ImageCore

/// Structural similarity, SSIM (Wang, Bovik, Sheikh & Simoncelli 2004), the mean of the local SSIM
/// map over every window position that lies inside the image, for colour images the mean of the
/// per-channel SSIM (or SSIM of luma). Constants: `SSIMConstants`.
///
/// - `.gaussian` (default) equals scikit-image `structural_similarity(ref, test, data_range=R,
///   gaussian_weights=True, sigma=1.5, use_sample_covariance=False, channel_axis=-1)`.
/// - `.uniform7` equals scikit-image's default `structural_similarity(ref, test, data_range=R,
///   channel_axis=-1)` (7×7 uniform window, sample covariance).
///
/// [1] Z. Wang et al., "Image quality assessment: from error visibility to structural similarity", IEEE TIP 2004.
public struct SSIM: Metric {
    public let displayName = "SSIM"
    public let higherIsBetter = true
    public let window: SSIMWindow
    /// Peak-to-peak range of valid values (1.0 for float images).
    public let dataRange: Double
    /// Mean of per-channel SSIM (default) or SSIM of luma.
    public let colour: ColourHandling

    /// - Precondition: `dataRange` positive and finite.
    public init(window: SSIMWindow = .gaussian, dataRange: Double = 1.0, colour: ColourHandling = .channels) {
        precondition(dataRange > 0 && dataRange.isFinite, "SSIM data range must be positive and finite, got \(dataRange)")
        self.window = window
        self.dataRange = dataRange
        self.colour = colour
    }

    /// `ssim` for the Gaussian window, `ssim_uniform7` for scikit-image's default.
    public var id: String { window == .gaussian ? "ssim" : "ssim_uniform7" }

    public var description: String {
        let channels = colour == .luma ? "luma (BT.601)" : "mean of per-channel SSIM"
        switch window {
        case .gaussian:
            return "SSIM (Wang 2004, Gaussian 11×11 σ=1.5, K1=0.01, K2=0.03, population covariance, data range \(formatNumber(dataRange)), \(channels), mean over valid windows; = scikit-image gaussian_weights=True, use_sample_covariance=False)"
        case .uniform7:
            return "SSIM (scikit-image default: uniform 7×7, K1=0.01, K2=0.03, sample covariance, data range \(formatNumber(dataRange)), \(channels), mean over valid windows)"
        }
    }

    public func score(reference: Image, test: Image) throws -> Double {
        let (r, t) = try prepare(reference, test)
        var total = 0.0
        for c in 0 ..< r.channels {
            let sums = planeSums(r, t, channel: c, map: nil)
            total += sums.ssim / Double(sums.count)
        }
        return total / Double(r.channels)
    }

    /// The local SSIM at every pixel, same size as the inputs, one channel (the mean of the
    /// per-channel maps, or the luma map). Windows that cross the border see the image mirrored
    /// (half-sample symmetric, SciPy `reflect`), as scikit-image's `full=True` map; the score is the
    /// mean of this map without its `window/2`-pixel border. Values lie in [−1, 1].
    /// - Throws: as `score(reference:test:)`.
    public func map(reference: Image, test: Image) throws -> Image {
        let (r, t) = try prepare(reference, test)
        let radius = window.size / 2
        let rp = r.padded(by: radius, mode: .reflect), tp = t.padded(by: radius, mode: .reflect)
        var out = Image(channels: 1, height: r.height, width: r.width)
        var plane = [Float](repeating: 0, count: r.planeSize)
        for c in 0 ..< r.channels {
            plane.withUnsafeMutableBufferPointer { p in
                _ = planeSums(rp, tp, channel: c, map: p.baseAddress!)
            }
            for i in 0 ..< plane.count { out.pixels[i] += plane[i] / Float(r.channels) }
        }
        return out
    }

    private func prepare(_ reference: Image, _ test: Image) throws -> (Image, Image) {
        try validatePair(reference, test, metric: displayName, minimumSide: window.size,
                         reason: "the \(window.size)×\(window.size) SSIM window must fit inside the image")
        return (try planes(of: reference, colour: colour, metric: displayName),
                try planes(of: test, colour: colour, metric: displayName))
    }

    private func planeSums(_ r: Image, _ t: Image, channel c: Int, map: UnsafeMutablePointer<Float>?) -> SSIMSums {
        r.pixels.withUnsafeBufferPointer { rb in
            t.pixels.withUnsafeBufferPointer { tb in
                ssimPlane(x: rb.baseAddress! + c * r.planeSize, y: tb.baseAddress! + c * r.planeSize,
                          height: r.height, width: r.width, taps: window.taps,
                          c1: SSIMConstants.c1(dataRange: dataRange), c2: SSIMConstants.c2(dataRange: dataRange),
                          covarianceNorm: window.covarianceNorm, map: map)
            }
        }
    }
}

/// SSIM (Gaussian 11×11, σ = 1.5, mean of RGB channels) of `test` against `reference`; see `SSIM`.
public func ssim(reference: Image, test: Image, dataRange: Double = 1.0) throws -> Double {
    try SSIM(dataRange: dataRange).score(reference: reference, test: test)
}
