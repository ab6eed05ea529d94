import ImageCore

/// A picture of a per-pixel error for reports: the RGB image and what its colours mean.
public struct HeatMap: Sendable {
    /// The RGB rendering (values in [0, 1], ready for `writeImage`).
    public let image: Image
    /// The value range the colour map spans; values outside take the end colours.
    public let range: ClosedRange<Float>
    public let colormap: Colormap
    /// What the colours show, for a legend, e.g. "|reference − test|, mean over channels, 0 … 0.1".
    public let caption: String
}

/// |reference − test| at every pixel, averaged over channels: a one-channel image (not clipped).
/// - Throws: `MetricsError` for mismatched or non-finite images.
public func absoluteDifferenceMap(reference: Image, test: Image) throws -> Image {
    try validatePair(reference, test, metric: "difference map")
    let n = reference.planeSize, c = reference.channels
    var out = Image(channels: 1, height: reference.height, width: reference.width)
    for ch in 0 ..< c {
        for i in 0 ..< n {
            out.pixels[i] += abs(reference.pixels[ch * n + i] - test.pixels[ch * n + i]) / Float(c)
        }
    }
    return out
}

/// Heat map of |reference − test| (mean over channels), black = no error with `inferno`.
///
/// - Parameters:
///   - maximum: the difference shown with the brightest colour; larger differences saturate (the
///     caption says so). Pass the same value for every method of a comparison so the maps share
///     one scale. nil uses the 99th percentile of this pair's differences (at least 1/255).
///   - colormap: `inferno` by default.
/// - Throws: `MetricsError` for mismatched or non-finite images, or a non-positive `maximum`.
public func differenceHeatMap(reference: Image, test: Image, maximum: Float? = nil,
                              colormap: Colormap = .inferno) throws -> HeatMap {
    let difference = try absoluteDifferenceMap(reference: reference, test: test)
    if let maximum, !(maximum > 0 && maximum.isFinite) {
        throw MetricsError.invalidParameter(name: "difference-map maximum", value: "\(maximum)",
                                            reason: "it must be a positive, finite difference (e.g. 0.1 for a tenth of the range)")
    }
    let top = maximum ?? max(1 / 255, percentile(difference.pixels, 0.99))
    let range: ClosedRange<Float> = 0 ... top
    return HeatMap(image: colormap.apply(to: difference, range: range), range: range, colormap: colormap,
                   caption: "|reference − test|, mean over channels, \(colormap.name) 0 … \(top) (larger values saturate)")
}

/// Heat map of the local SSIM (`SSIM.map`): dark = dissimilar, bright = similar with `viridis`,
/// over 0 … 1 (the rare negative SSIM values take the 0 colour; the caption says so).
/// - Throws: as `SSIM.map(reference:test:)`.
public func ssimHeatMap(reference: Image, test: Image, ssim: SSIM = SSIM(),
                        colormap: Colormap = .viridis) throws -> HeatMap {
    let map = try ssim.map(reference: reference, test: test)
    let range: ClosedRange<Float> = 0 ... 1
    return HeatMap(image: colormap.apply(to: map, range: range), range: range, colormap: colormap,
                   caption: "local SSIM (\(ssim.window == .gaussian ? "Gaussian 11×11 σ=1.5" : "uniform 7×7"), \(ssim.colour == .luma ? "luma" : "mean over channels")), \(colormap.name) 0 … 1 (negative values shown as 0)")
}

/// The `q`-quantile of non-negative finite values from a 4096-bin histogram (resolution max/4096).
func percentile(_ values: [Float], _ q: Double) -> Float {
    let top = values.max() ?? 0
    guard top > 0 else { return 0 }
    let bins = 4096
    var histogram = [Int](repeating: 0, count: bins)
    let scale = Float(bins) / top
    for v in values { histogram[min(bins - 1, Int(v * scale))] += 1 }
    let target = Int((q * Double(values.count)).rounded(.up))
    var seen = 0
    for (i, count) in histogram.enumerated() {
        seen += count
        if seen >= target { return Float(i + 1) / scale }
    }
    return top
}
