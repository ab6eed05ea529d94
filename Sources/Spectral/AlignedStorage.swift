#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Heap memory for FFTW buffers, aligned to `AlignedStorage.alignment` bytes.
///
/// FFTW's new-array execute functions require that a buffer has the same alignment as the arrays
/// the plan was created with. Every plan in this module is created on buffers from here and every
/// execution uses buffers from here, so the SIMD (SSE/AVX/AVX-512) code paths chosen by the planner are
/// always valid. We allocate with `posix_memalign` rather than `fftwf_malloc` because FFTW documents
/// only its execute functions as thread-safe, and buffers are allocated on worker threads.
/// Reference semantics: the value types `RealPlane` and `Spectrum` wrap it with copy-on-write.
final class AlignedStorage: @unchecked Sendable {
    // @unchecked Sendable: the memory is only mutated through a uniquely referenced owner
    // (copy-on-write in RealPlane/Spectrum) or by disjoint writers documented at the call site.
    static let alignment = 64

    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    /// `count` floats, zero-filled.
    init(count: Int) {
        precondition(count >= 0, "AlignedStorage count must be non-negative, got \(count)")
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, AlignedStorage.alignment, max(1, count) * MemoryLayout<Float>.stride)
        guard status == 0, let raw else {
            fatalError("Out of memory allocating \(count) floats for an FFT buffer")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: count)
    }

    /// A copy of `other`.
    convenience init(copying other: AlignedStorage) {
        self.init(count: other.count)
        pointer.update(from: other.pointer, count: count)
    }

    deinit { free(pointer) }
}
