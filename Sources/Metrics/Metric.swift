import ImageCore

/// A full-reference image-quality metric: scores a test image (e.g. a restoration) against a
/// reference (the sharp original). Implementations are immutable values, safe to share.
///
/// Every metric names its exact variant in `description`; reports print it verbatim so a number
/// is never separated from the definition that produced it.
public protocol Metric: Sendable {
    /// Stable identifier used in JSON, CSV and on the command line: `psnr`, `ssim`, `ms_ssim`, `vif`, `st_lpips`.
    var id: String { get }
    /// Short name for table headers, e.g. "SSIM".
    var displayName: String { get }
    /// The exact variant, e.g. "SSIM (Wang 2004, Gaussian 11×11 σ=1.5, …)".
    var description: String { get }
    /// True when larger scores mean a closer match (all but ST-LPIPS).
    var higherIsBetter: Bool { get }
    /// Scores `test` against `reference`.
    /// - Throws: `MetricsError` for mismatched shapes, non-finite pixels or images too small.
    func score(reference: Image, test: Image) throws -> Double
}

/// How a metric treats colour images.
public enum ColourHandling: String, Sendable, CaseIterable, Codable {
    /// Every channel takes part: PSNR pools the squared error over all values; SSIM, MS-SSIM and
    /// VIF average the per-channel scores.
    case channels
    /// The metric is computed on luma Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, `Image.luma()`);
    /// gray images are used as they are.
    case luma
}

/// The metrics by identifier, in their default configurations (data range 1.0 for float images).
public enum MetricRegistry {
    /// Identifiers in report order.
    public static let identifiers = ["psnr", "ssim", "ms_ssim", "vif", "st_lpips"]

    /// Normalises a user-typed identifier: lower case, `-` → `_` (`ms-ssim` → `ms_ssim`).
    public static func canonicalIdentifier(_ text: String) -> String {
        text.lowercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The metric with this identifier (aliases with `-` accepted) in its default configuration.
    /// - Throws: `MetricsError.unknownMetric`; for `st_lpips`, `weightsMissing` / `weightsInvalid`
    ///   when the weights cannot be loaded.
    public static func metric(_ id: String) throws -> any Metric {
        switch canonicalIdentifier(id) {
        case "psnr": return PSNR()
        case "ssim": return SSIM()
        case "ms_ssim": return MSSSIM()
        case "vif": return VIF()
        case "st_lpips": return try STLPIPS()
        default: throw MetricsError.unknownMetric(id, known: identifiers)
        }
    }

    /// All metrics that need no downloaded weights (PSNR, SSIM, MS-SSIM, VIF).
    public static var withoutWeights: [any Metric] { [PSNR(), SSIM(), MSSSIM(), VIF()] }
}

// MARK: - Input validation shared by all metrics

/// Checks a reference/test pair before scoring: equal channel counts and sizes, every value
/// finite (unless `checkFinite` is false: callers whose result is non-finite exactly when an input
/// is, like PSNR, check afterwards), and both sides at least `minimumSide` pixels.
func validatePair(_ reference: Image, _ test: Image, metric: String,
                  minimumSide: Int = 1, reason: String = "", checkValues: Bool = true) throws {
    guard reference.channels == test.channels else {
        throw MetricsError.channelMismatch(metric: metric, reference: reference.channels, test: test.channels)
    }
    guard reference.height == test.height, reference.width == test.width else {
        throw MetricsError.sizeMismatch(metric: metric, reference: reference.shapeDescription,
                                        test: test.shapeDescription)
    }
    if checkValues {
        try checkFinite(reference, metric: metric, name: "reference")
        try checkFinite(test, metric: metric, name: "test")
    }
    if reference.height < minimumSide || reference.width < minimumSide {
        throw MetricsError.imageTooSmall(metric: metric, width: reference.width, height: reference.height,
                                         minimum: minimumSide, reason: reason)
    }
}

/// Throws `MetricsError.nonFinite` naming the first NaN or infinite value.
func checkFinite(_ image: Image, metric: String, name: String) throws {
    // Fast path: the largest exponent field over all values (an integer max, which vectorises);
    // all-ones exponent means NaN or ±infinity somewhere.
    let largestExponent: UInt32 = image.pixels.withUnsafeBufferPointer { buffer in
        var m: UInt32 = 0
        for v in buffer { m = max(m, v.bitPattern & 0x7F80_0000) }
        return m
    }
    guard largestExponent == 0x7F80_0000 else { return }
    let index = image.pixels.firstIndex { !$0.isFinite }!
    let plane = image.planeSize
    throw MetricsError.nonFinite(metric: metric, image: name, channel: index / plane,
                                 x: index % plane % image.width, y: index % plane / image.width)
}

/// The planes a metric works on: the image's channels, or its luma.
func planes(of image: Image, colour: ColourHandling, metric: String) throws -> Image {
    switch colour {
    case .channels:
        return image
    case .luma:
        guard image.channels == 1 || image.channels == 3 else {
            throw MetricsError.unsupportedChannels(metric: metric, channels: image.channels, expected: "1 (gray) or 3 (RGB) for luma")
        }
        return try image.luma()
    }
}

/// Formats a number for variant strings without trailing zeros (1.0 → "1", 0.5 → "0.5").
func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
