import ImageCore

/// One real-valued 2-D plane (row-major, `height × width`) in FFTW-aligned memory: the input of a
/// forward transform and the output of an inverse one. A value type with copy-on-write.
///
/// Use it to keep padded buffers across iterations (Richardson–Lucy, Landweber): fill it once with
/// `init(extending:…)` or through `withUnsafeMutableBufferPointer`, transform, and read back with
/// `cropped(…)` or `copy(into:…)`.
public struct RealPlane: Sendable {
    public let height: Int
    public let width: Int
    var storage: AlignedStorage

    /// A zero plane.
    public init(height: Int, width: Int) {
        precondition(height > 0 && width > 0, "RealPlane shape must be positive, got \(height)×\(width)")
        self.height = height
        self.width = width
        storage = AlignedStorage(count: height * width)
    }

    /// Channel `channel` of `image`, copied as is.
    public init(_ image: Image, channel: Int = 0) {
        self.init(extending: image, channel: channel, height: image.height, width: image.width,
                  top: 0, left: 0, mode: .zero)
    }

    /// A `height × width` plane whose pixel (y, x) is the boundary extension (`mode`) of `image`'s
    /// channel at (y − `top`, x − `left`). Every pixel of the plane is defined by the extension
    /// (with `.zero`, everything outside the image is 0), so a padded buffer for linear convolution
    /// is `init(extending: img, …, top: kh − 1 − ⌊kh/2⌋, left: kw − 1 − ⌊kw/2⌋, mode: .reflect)`.
    public init(extending image: Image, channel: Int, height: Int, width: Int,
                top: Int, left: Int, mode: BoundaryMode) {
        precondition(channel >= 0 && channel < image.channels,
                     "Channel \(channel) out of range 0..<\(image.channels)")
        self.init(height: height, width: width)
        let h = image.height, w = image.width
        // Column source indices once per call (−1 = zero), not per row.
        let colSource = (0 ..< width).map { mode.sourceIndex($0 - left, count: w) ?? -1 }
        let dst = storage.pointer
        image.pixels.withUnsafeBufferPointer { src in
            let plane = channel &* h &* w
            colSource.withUnsafeBufferPointer { cols in
                for y in 0 ..< height {
                    guard let sy = mode.sourceIndex(y - top, count: h) else { continue }
                    let srcRow = plane &+ sy &* w
                    let dstRow = y &* width
                    for x in 0 ..< width where cols[x] >= 0 {
                        dst[dstRow &+ x] = src[srcRow &+ cols[x]]
                    }
                }
            }
        }
    }

    @inlinable
    public subscript(y: Int, x: Int) -> Float {
        get {
            precondition(y >= 0 && y < height && x >= 0 && x < width, "RealPlane index (\(y), \(x)) out of \(height)×\(width)")
            return withUnsafeBufferPointer { $0[y &* width &+ x] }
        }
        set {
            precondition(y >= 0 && y < height && x >= 0 && x < width, "RealPlane index (\(y), \(x)) out of \(height)×\(width)")
            let w = width
            withUnsafeMutableBufferPointer { $0[y &* w &+ x] = newValue }
        }
    }

    /// Read access to the `height * width` values, row-major.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: basePointer, count: height * width))
    }

    /// Write access to the `height * width` values, row-major (copies first if the storage is shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: mutableBasePointer(), count: height * width))
    }

    @usableFromInline var basePointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

    @usableFromInline mutating func mutableBasePointer() -> UnsafeMutablePointer<Float> {
        if !isKnownUniquelyReferenced(&storage) { storage = AlignedStorage(copying: storage) }
        return storage.pointer
    }

    /// The `height × width` region at (`top`, `left`) as a one-channel image.
    public func cropped(top: Int, left: Int, height h: Int, width w: Int) -> Image {
        var out = Image(channels: 1, height: h, width: w)
        copy(into: &out, channel: 0, top: top, left: left)
        return out
    }

    /// The whole plane as a one-channel image.
    public var image: Image { cropped(top: 0, left: 0, height: height, width: width) }

    /// Writes the region at (`top`, `left`) of the size of `image` into channel `channel` of `image`.
    public func copy(into image: inout Image, channel: Int, top: Int, left: Int) {
        let h = image.height, w = image.width
        precondition(top >= 0 && left >= 0 && top + h <= height && left + w <= width,
                     "Region \(h)×\(w) at (\(top), \(left)) leaves the \(height)×\(width) plane")
        precondition(channel >= 0 && channel < image.channels, "Channel \(channel) out of range")
        let src = storage.pointer
        image.pixels.withUnsafeMutableBufferPointer { dst in
            for y in 0 ..< h {
                let s = (top &+ y) &* width &+ left
                let d = (channel &* h &+ y) &* w
                for x in 0 ..< w { dst[d &+ x] = src[s &+ x] }
            }
        }
    }
}
