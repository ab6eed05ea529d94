import Foundation
import ImageCore

/// An n-dimensional Float32 array in row-major order, one contiguous 64-byte-aligned buffer.
///
/// Images and feature maps are rank 4, **NCHW**: batch `n`, channel `c`, row `y`, column `x`
/// live at `((n * C + c) * H + y) * W + x`. Convolution weights are `(OC, C, KH, KW)`, transposed
/// convolution weights `(C_in, C_out, KH, KW)` (PyTorch's layouts, so safetensors files interoperate).
///
/// `Tensor` is a value type with copy-on-write storage: copies are cheap until one is mutated.
public struct Tensor: Sendable {
    /// Extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The buffer; shared between copies until one of them writes.
    public private(set) var storage: TensorStorage

    /// A tensor of `shape` with every element set to `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        Tensor.checkShape(shape)
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *), repeating: value)
    }

    /// A tensor of `shape` holding `scalars` in row-major order (`scalars.count` must equal the product of `shape`).
    public init(shape: [Int], scalars: [Float]) {
        Tensor.checkShape(shape)
        let count = shape.reduce(1, *)
        precondition(scalars.count == count,
                     "Tensor of shape \(shape) needs \(count) scalars, got \(scalars.count)")
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: count)
        scalars.withUnsafeBufferPointer { src in
            if count > 0 { storage.pointer.update(from: src.baseAddress!, count: count) }
        }
    }

    /// A tensor whose elements are undefined: the caller must write every element before reading.
    /// Kernels use it for outputs they overwrite entirely.
    public static func uninitialized(shape: [Int]) -> Tensor {
        checkShape(shape)
        return Tensor(shape: shape, storage: TensorStorage(uninitializedCount: shape.reduce(1, *)))
    }

    /// Wraps an existing storage block whose count equals the product of `shape`.
    public init(shape: [Int], storage: TensorStorage) {
        Tensor.checkShape(shape)
        precondition(storage.count == shape.reduce(1, *),
                     "Storage of \(storage.count) floats does not match shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    /// A rank-4 tensor `(1, C, H, W)` holding one image's planar pixels.
    public init(image: Image) {
        self.init(shape: [1, image.channels, image.height, image.width], scalars: image.pixels)
    }

    /// A rank-4 tensor `(N, C, H, W)` stacking images of equal shape along the batch.
    public init(stacking images: [Image]) {
        precondition(!images.isEmpty, "Cannot stack zero images into a tensor")
        let first = images[0]
        self = Tensor.uninitialized(shape: [images.count, first.channels, first.height, first.width])
        let plane = first.pixels.count
        for (n, image) in images.enumerated() {
            precondition(image.channels == first.channels && image.height == first.height && image.width == first.width,
                         "Stacked images must all be \(first.shapeDescription), image \(n) is \(image.shapeDescription)")
            image.pixels.withUnsafeBufferPointer { src in
                storage.pointer.advanced(by: n &* plane).update(from: src.baseAddress!, count: plane)
            }
        }
    }

    private static func checkShape(_ shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape must be non-negative, got \(shape)")
    }

    // MARK: Shape

    /// Number of elements.
    @inlinable public var count: Int { storage.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// Shape as `2×3×4×4`.
    public var shapeDescription: String { shape.map(String.init).joined(separator: "×") }

    /// The same elements viewed with another shape of equal element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count,
                     "Cannot reshape \(shapeDescription) (\(count) elements) to \(newShape)")
        return Tensor(shape: newShape, storage: storage)
    }

    /// Image `n` of a rank-4 `(N, C, H, W)` tensor as an `Image` (C×H×W).
    public func image(at n: Int = 0) -> Image {
        precondition(rank == 4, "image(at:) needs a rank-4 NCHW tensor, got shape \(shape)")
        precondition(n >= 0 && n < shape[0], "Image index \(n) out of range 0..<\(shape[0])")
        let plane = shape[1] &* shape[2] &* shape[3]
        let start = storage.pointer.advanced(by: n &* plane)
        return Image(channels: shape[1], height: shape[2], width: shape[3],
                     pixels: Array(UnsafeBufferPointer(start: start, count: plane)))
    }

    // MARK: Element access

    /// All elements in row-major order (a copy).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// Element at flat row-major `index`.
    @inlinable public subscript(index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "Index \(index) out of range 0..<\(count)")
            return storage.pointer[index]
        }
        set {
            precondition(index >= 0 && index < count, "Index \(index) out of range 0..<\(count)")
            makeUnique()
            storage.pointer[index] = newValue
        }
    }

    /// Element `(n, c, y, x)` of a rank-4 tensor.
    @inlinable public subscript(n: Int, c: Int, y: Int, x: Int) -> Float {
        get { self[flatIndex(n, c, y, x)] }
        set { self[flatIndex(n, c, y, x)] = newValue }
    }

    @usableFromInline @inline(__always) func flatIndex(_ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Int {
        precondition(rank == 4, "A 4-index subscript needs a rank-4 tensor, got shape \(shape)")
        precondition(c >= 0 && c < shape[1] && y >= 0 && y < shape[2] && x >= 0 && x < shape[3],
                     "Index (\(n), \(c), \(y), \(x)) out of range for shape \(shape)")
        return ((n &* shape[1] &+ c) &* shape[2] &+ y) &* shape[3] &+ x
    }

    /// Calls `body` with the elements; the pointer must not escape.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
        }
    }

    /// Calls `body` with writable elements (copying the storage first if it is shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
        }
    }

    /// The first element, for handing to a kernel. Valid only while this tensor's storage is alive
    /// (keep the tensor in a variable across the call) and must not be written through.
    @inlinable public var unsafePointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

    /// The first element, writable: makes the storage unique first. Valid while this tensor is alive
    /// and not reassigned; for kernel calls that fill or update the tensor.
    public mutating func unsafeMutablePointer() -> UnsafeMutablePointer<Float> {
        makeUnique()
        return storage.pointer
    }

    /// Gives this tensor its own storage if another tensor shares it.
    public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = TensorStorage(copying: storage) }
    }

    // MARK: Small whole-tensor helpers

    /// Sum of all elements, accumulated in Double.
    public func sum() -> Double {
        withUnsafeBufferPointer { p in
            var s = 0.0
            for v in p { s += Double(v) }
            return s
        }
    }

    /// Largest absolute elementwise difference to `other` (same shape), for tests and checks.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "Shapes differ: \(shape) vs \(other.shape)")
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                var m: Float = 0
                for i in 0 ..< a.count { m = max(m, abs(a[i] - b[i])) }
                return m
            }
        }
    }

    /// True when every element is finite.
    public var isFinite: Bool { withUnsafeBufferPointer { $0.allSatisfy { $0.isFinite } } }
}

extension Tensor: Equatable {
    /// Equal shapes and bitwise-equal values in order (NaN ≠ NaN).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return true }
        return lhs.withUnsafeBufferPointer { a in rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shapeDescription): [\(head)\(count > 8 ? ", …" : "")])"
    }
}
