/// A floating-point image: planar, channel-major (C × H × W), one contiguous `[Float]`.
///
/// Values are nominally in [0, 1] but are never clipped implicitly: deconvolution and
/// noise can push them outside, and every consumer decides explicitly what to do
/// (see `clamped(to:)`). Channel `c`, row `y`, column `x` lives at
/// `pixels[(c * height + y) * width + x]`.
public struct Image: Sendable, Equatable {
    public let channels: Int
    public let height: Int
    public let width: Int
    public var pixels: [Float]

    /// Creates an image of the given shape filled with `value`.
    public init(channels: Int, height: Int, width: Int, value: Float = 0) {
        precondition(channels > 0 && height > 0 && width > 0,
                     "Image shape must be positive, got \(channels)×\(height)×\(width)")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = [Float](repeating: value, count: channels * height * width)
    }

    /// Wraps existing planar pixels; `pixels.count` must equal `channels * height * width`.
    public init(channels: Int, height: Int, width: Int, pixels: [Float]) {
        precondition(channels > 0 && height > 0 && width > 0,
                     "Image shape must be positive, got \(channels)×\(height)×\(width)")
        precondition(pixels.count == channels * height * width,
                     "Expected \(channels * height * width) pixels for \(channels)×\(height)×\(width), got \(pixels.count)")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    /// Number of pixels in one channel plane.
    @inlinable public var planeSize: Int { height * width }
    /// Shape as a readable string, `C×H×W`.
    public var shapeDescription: String { "\(channels)×\(height)×\(width)" }

    @inlinable
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }

    /// One channel as a single-channel image.
    public func channel(_ c: Int) -> Image {
        precondition(c >= 0 && c < channels, "Channel \(c) out of range 0..<\(channels)")
        let start = c * planeSize
        return Image(channels: 1, height: height, width: width,
                     pixels: Array(pixels[start ..< start + planeSize]))
    }

    /// Stacks single-channel images of equal size into one multi-channel image.
    public static func stacking(_ planes: [Image]) -> Image {
        precondition(!planes.isEmpty, "Cannot stack zero planes")
        let h = planes[0].height, w = planes[0].width
        var out = [Float]()
        out.reserveCapacity(planes.count * h * w)
        for p in planes {
            precondition(p.channels == 1 && p.height == h && p.width == w,
                         "Stacked planes must be 1×\(h)×\(w), got \(p.shapeDescription)")
            out.append(contentsOf: p.pixels)
        }
        return Image(channels: planes.count, height: h, width: w, pixels: out)
    }

    /// Applies `transform` to each channel plane independently (e.g. per-channel deconvolution).
    public func mapChannels(_ transform: (Image) throws -> Image) rethrows -> Image {
        if channels == 1 { return try transform(self) }
        return Image.stacking(try (0 ..< channels).map { try transform(channel($0)) })
    }

    /// How many values are NaN or ±∞. A vectorised pass finds whether there are any (x·0 is 0 for
    /// every finite x and NaN otherwise); only then are they counted.
    public var nonFiniteCount: Int {
        pixels.withUnsafeBufferPointer { p in
            let n = p.count, base = UnsafeRawPointer(p.baseAddress!)
            var acc = SIMD16<Float>(repeating: 0)
            var i = 0
            while i &+ 16 <= n {
                acc += base.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) * 0
                i &+= 16
            }
            var tail: Float = 0
            while i < n { tail += p[i] * 0; i &+= 1 }
            if acc.sum() == 0 && tail == 0 { return 0 }
            return p.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        }
    }

    /// The image with every value limited to `range`. Callers choose to clip; nothing clips silently.
    public func clamped(to range: ClosedRange<Float> = 0 ... 1) -> Image {
        var out = self
        let lo = range.lowerBound, hi = range.upperBound
        for i in out.pixels.indices { out.pixels[i] = min(max(out.pixels[i], lo), hi) }
        return out
    }

    /// The largest absolute difference between this image's values and `other`'s, sample by sample (0 for
    /// empty images; NaN if either holds one). How tests compare an optimised kernel with its naive twin, or
    /// two runs of a network (whose sgemm rounding depends on OpenBLAS's thread count).
    /// - Precondition: the same shape.
    public func maxAbsDifference(_ other: Image) -> Float {
        precondition((channels, height, width) == (other.channels, other.height, other.width),
                     "maxAbsDifference: \(channels)×\(height)×\(width) against \(other.channels)×\(other.height)×\(other.width)")
        var worst: Float = 0
        for i in pixels.indices {
            let d = abs(pixels[i] - other.pixels[i])
            if d.isNaN { return .nan }
            worst = max(worst, d)
        }
        return worst
    }

    /// Smallest and largest value (NaN is ignored).
    public var valueRange: ClosedRange<Float> {
        var lo = Float.infinity, hi = -Float.infinity
        for v in pixels where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        return lo <= hi ? lo ... hi : 0 ... 0
    }

    /// True when every value is finite.
    public var isFinite: Bool { pixels.allSatisfy { $0.isFinite } }

    /// Sum of all values, accumulated in Double.
    public var sum: Double { pixels.reduce(0.0) { $0 + Double($1) } }
}
