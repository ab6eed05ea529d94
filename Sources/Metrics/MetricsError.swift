import Foundation

/// Everything that can go wrong scoring an image pair. Each message names the metric and the
/// offending input, and says how to fix it.
public enum MetricsError: LocalizedError, Equatable {
    /// The two images differ in width or height.
    case sizeMismatch(metric: String, reference: String, test: String)
    /// The two images differ in channel count.
    case channelMismatch(metric: String, reference: Int, test: Int)
    /// The metric needs a specific number of channels (e.g. luma needs 1 or 3).
    case unsupportedChannels(metric: String, channels: Int, expected: String)
    /// A pixel is NaN or infinite.
    case nonFinite(metric: String, image: String, channel: Int, x: Int, y: Int)
    /// The image is smaller than the metric's window (or its coarsest scale).
    case imageTooSmall(metric: String, width: Int, height: Int, minimum: Int, reason: String)
    /// A parameter is outside its valid range.
    case invalidParameter(name: String, value: String, reason: String)
    /// No metric has this identifier.
    case unknownMetric(String, known: [String])
    /// The ST-LPIPS weights file does not exist.
    case weightsMissing(path: String)
    /// The ST-LPIPS weights file exists but cannot be used.
    case weightsInvalid(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .sizeMismatch(metric, reference, test):
            return "\(metric): the reference is \(reference) but the test image is \(test) (channels×height×width). Full-reference metrics compare pixel by pixel: crop or resize one image to the other's size first."
        case let .channelMismatch(metric, reference, test):
            return "\(metric): the reference has \(reference) channel(s) but the test image has \(test). Convert both to RGB (Image.rgb()) or both to gray (Image.luma()) first."
        case let .unsupportedChannels(metric, channels, expected):
            return "\(metric): images with \(channels) channel(s) are not supported; expected \(expected). Convert to gray or RGB first."
        case let .nonFinite(metric, image, channel, x, y):
            return "\(metric): the \(image) image has a NaN or infinite value at channel \(channel), x \(x), y \(y). Fix the computation that produced it (for example a division by zero in a restoration) before scoring."
        case let .imageTooSmall(metric, width, height, minimum, reason):
            return "\(metric): the images are \(width)×\(height) but at least \(minimum)×\(minimum) pixels are needed (\(reason)). Score a larger crop, or choose a metric with a smaller window."
        case let .invalidParameter(name, value, reason):
            return "Invalid \(name) \(value): \(reason)."
        case let .unknownMetric(id, known):
            return "Unknown metric '\(id)'. Choose from: \(known.joined(separator: ", "))."
        case let .weightsMissing(path):
            return "ST-LPIPS (alex) weights not found at '\(path)'. Fetch them with `scripts/fetch-weights.sh` (also run by `make test` and `scripts/setup.sh`), or set DEBLUR_STLPIPS_WEIGHTS to the file."
        case let .weightsInvalid(path, reason):
            return "ST-LPIPS (alex) weights at '\(path)' cannot be used: \(reason). Delete the file and run `scripts/fetch-weights.sh` to fetch and convert them again."
        }
    }
}
