import CFFTW

/// Real samples in memory from `fftwf_malloc` (SIMD-aligned, as FFTW's plans expect).
/// A class so the memory is freed exactly once; not shared between threads while written.
public final class RealBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count > 0, "RealBuffer needs a positive count, got \(count)")
        self.count = count
        guard let raw = fftwf_malloc(count * MemoryLayout<Float>.stride) else {
            fatalError("fftwf_malloc could not allocate \(count) floats")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: count)
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { fftwf_free(pointer) }

    @inlinable public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}

/// Complex samples, interleaved (re, im), from `fftwf_malloc`. `count` is the number of complex values.
public final class ComplexBuffer: @unchecked Sendable {
    public let count: Int
    /// Interleaved storage: value `k` is (`floats[2k]`, `floats[2k+1]`).
    public let floats: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count > 0, "ComplexBuffer needs a positive count, got \(count)")
        self.count = count
        guard let raw = fftwf_malloc(2 * count * MemoryLayout<Float>.stride) else {
            fatalError("fftwf_malloc could not allocate \(count) complex values")
        }
        floats = raw.bindMemory(to: Float.self, capacity: 2 * count)
        floats.initialize(repeating: 0, count: 2 * count)
    }

    deinit { fftwf_free(floats) }

    /// A copy with its own memory.
    public func copy() -> ComplexBuffer {
        let out = ComplexBuffer(count: count)
        out.floats.update(from: floats, count: 2 * count)
        return out
    }

    @inlinable public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: floats, count: 2 * count) }

    var fftw: UnsafeMutablePointer<fftwf_complex> {
        UnsafeMutableRawPointer(floats).assumingMemoryBound(to: fftwf_complex.self)
    }
}
