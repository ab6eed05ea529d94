/// The half-spectrum of a real `height × width` plane, as FFTW's r2c transform lays it out:
/// `height` rows of `complexWidth = width / 2 + 1` complex values, row-major, interleaved
/// (re, im) Float pairs in FFTW-aligned memory. Frequency (u, v) with v > width / 2 is the
/// conjugate of (−u mod height, width − v) and is not stored. A value type with copy-on-write.
///
/// Transforms are unnormalised forward and normalised (1 / (height·width)) inverse, like NumPy's
/// default, so the spectrum of a sum-1 PSF is 1 at frequency (0, 0).
public struct Spectrum: Sendable {
    /// Rows of the real-domain plane (and of the spectrum).
    public let height: Int
    /// Columns of the real-domain plane.
    public let width: Int
    var storage: AlignedStorage

    /// Stored complex values per row: `width / 2 + 1`.
    @inlinable public var complexWidth: Int { width / 2 + 1 }
    /// Number of stored complex values, `height * complexWidth`.
    @inlinable public var count: Int { height * complexWidth }

    /// An all-zero spectrum for a real `height × width` plane.
    public init(height: Int, width: Int) {
        precondition(height > 0 && width > 0, "Spectrum shape must be positive, got \(height)×\(width)")
        self.height = height
        self.width = width
        storage = AlignedStorage(count: 2 * height * (width / 2 + 1))
    }

    /// The complex value at row `u`, stored column `v` (`0 ..< complexWidth`).
    @inlinable
    public subscript(u: Int, v: Int) -> (re: Float, im: Float) {
        get {
            precondition(u >= 0 && u < height && v >= 0 && v < complexWidth, "Spectrum index (\(u), \(v)) out of \(height)×\(complexWidth)")
            return withUnsafeBufferPointer { b in
                let i = 2 &* (u &* complexWidth &+ v)
                return (b[i], b[i &+ 1])
            }
        }
        set {
            precondition(u >= 0 && u < height && v >= 0 && v < complexWidth, "Spectrum index (\(u), \(v)) out of \(height)×\(complexWidth)")
            let cw = complexWidth
            withUnsafeMutableBufferPointer { b in
                let i = 2 &* (u &* cw &+ v)
                b[i] = newValue.re
                b[i &+ 1] = newValue.im
            }
        }
    }

    /// Read access to the `2 * count` interleaved floats (re₀, im₀, re₁, im₁, …).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: basePointer, count: 2 * count))
    }

    /// Write access to the `2 * count` interleaved floats (copies first if the storage is shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        let n = 2 * count
        return try body(UnsafeMutableBufferPointer(start: mutableBasePointer(), count: n))
    }

    @usableFromInline var basePointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

    @usableFromInline mutating func mutableBasePointer() -> UnsafeMutablePointer<Float> {
        if !isKnownUniquelyReferenced(&storage) { storage = AlignedStorage(copying: storage) }
        return storage.pointer
    }

    // MARK: Pointwise arithmetic (the "multiply in the frequency domain" of convolution)

    /// `self[k] ← self[k] · other[k]` (or `· conj(other[k])` when `conjugatingOther`).
    ///
    /// Multiplying by an OTF H blurs (convolution); multiplying by conj(H) applies the adjoint
    /// (correlation with the PSF, i.e. convolution with the PSF rotated by 180°).
    public mutating func multiply(by other: Spectrum, conjugatingOther: Bool = false) {
        precondition(height == other.height && width == other.width,
                     "Spectrum shapes differ: \(height)×\(width) vs \(other.height)×\(other.width)")
        let n = count
        let b = other.basePointer
        let a = mutableBasePointer()
        let sign: Float = conjugatingOther ? -1 : 1
        for k in 0 ..< n {
            let i = 2 &* k
            let ar = a[i], ai = a[i &+ 1]
            let br = b[i], bi = sign * b[i &+ 1]
            a[i] = ar * br - ai * bi
            a[i &+ 1] = ar * bi + ai * br
        }
    }

    /// `self ← a · b` (or `a · conj(b)`), reusing this spectrum's memory (no allocation when
    /// `self` is uniquely referenced and of the same shape).
    public mutating func setProduct(_ a: Spectrum, _ b: Spectrum, conjugatingSecond: Bool = false) {
        precondition(a.height == b.height && a.width == b.width && a.height == height && a.width == width,
                     "Spectrum shapes differ: self \(height)×\(width), a \(a.height)×\(a.width), b \(b.height)×\(b.width)")
        let n = count
        let pa = a.basePointer, pb = b.basePointer
        let out = mutableBasePointer()
        let sign: Float = conjugatingSecond ? -1 : 1
        for k in 0 ..< n {
            let i = 2 &* k
            let ar = pa[i], ai = pa[i &+ 1]
            let br = pb[i], bi = sign * pb[i &+ 1]
            out[i] = ar * br - ai * bi
            out[i &+ 1] = ar * bi + ai * br
        }
    }

    /// The product `self · other` (or `self · conj(other)`) as a new spectrum.
    public func multiplied(by other: Spectrum, conjugatingOther: Bool = false) -> Spectrum {
        var out = self
        out.multiply(by: other, conjugatingOther: conjugatingOther)
        return out
    }

    /// Multiplies every value by the real `factor`.
    public mutating func scale(by factor: Float) {
        let n = 2 * count
        let p = mutableBasePointer()
        for i in 0 ..< n { p[i] *= factor }
    }

    /// |X[k]|² for every stored value, row-major (`count` floats): e.g. |H|² in Wiener's denominator.
    public func squaredMagnitudes() -> [Float] {
        let n = count
        let p = basePointer
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            for k in 0 ..< n {
                let re = p[2 &* k], im = p[2 &* k &+ 1]
                out[k] = re * re + im * im
            }
            initialized = n
        }
    }
}
