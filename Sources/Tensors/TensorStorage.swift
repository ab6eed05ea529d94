import Foundation

/// One contiguous, 64-byte-aligned block of `Float`s: the storage behind a `Tensor` and the
/// scratch buffers of the kernels.
///
/// Alignment: a cache line (and an AVX-512 vector). `[Float]` only guarantees 16 bytes, and
/// OpenBLAS's `sgemm` ran up to 46% faster on 64-byte-aligned operands with small M on this machine.
///
/// Recycling: large blocks (≥ `TensorStorage.recycleThreshold` floats) are returned to a small
/// free list when released and handed out again for the same size, so a training step that
/// allocates the same activations every iteration does not page-fault fresh memory each time
/// (glibc serves blocks above 32 MiB with a new `mmap` on every allocation). The free list holds
/// at most `TensorStorage.recycleCapacityBytes` bytes; `TensorStorage.drainRecycled()` empties it.
public final class TensorStorage: @unchecked Sendable {
    // @unchecked Sendable: the pointer is written only through `Tensor`'s copy-on-write accessors,
    // which copy a storage before mutating it whenever another reference exists.
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// A block of `count` floats with undefined contents.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage count must be non-negative, got \(count)")
        self.count = count
        self.pointer = TensorStorage.acquire(count)
    }

    /// A block of `count` floats, each set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        if value == 0 {
            memset(pointer, 0, count &* MemoryLayout<Float>.stride)
        } else {
            pointer.initialize(repeating: value, count: count)
        }
    }

    /// A copy of another block.
    public convenience init(copying other: TensorStorage) {
        self.init(uninitializedCount: other.count)
        if count > 0 { memcpy(pointer, other.pointer, count &* MemoryLayout<Float>.stride) }
    }

    deinit { TensorStorage.release(pointer, count) }

    // MARK: Recycling (a size-keyed free list under one lock)

    /// Blocks at least this many floats (1 MiB) are recycled; smaller ones go straight to `free`.
    public static let recycleThreshold = 1 << 18
    /// Most bytes the free list keeps (default 1 GiB; `DEBLUR_TENSOR_RECYCLE_MB` overrides, 0 disables).
    public static let recycleCapacityBytes: Int = {
        if let text = ProcessInfo.processInfo.environment["DEBLUR_TENSOR_RECYCLE_MB"], let mb = Int(text), mb >= 0 {
            return mb << 20
        }
        return 1 << 30
    }()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var freeBlocks: [Int: [UnsafeMutablePointer<Float>]] = [:]
    nonisolated(unsafe) private static var freeBytes = 0

    private static func acquire(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count >= recycleThreshold {
            lock.lock()
            if var list = freeBlocks[count], let block = list.popLast() {
                freeBlocks[count] = list
                freeBytes -= count &* 4
                lock.unlock()
                return block
            }
            lock.unlock()
        }
        var raw: UnsafeMutableRawPointer?
        let bytes = max(64, count &* MemoryLayout<Float>.stride)
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("Out of memory allocating \(bytes) bytes for a tensor")
        }
        return raw.bindMemory(to: Float.self, capacity: max(1, count))
    }

    private static func release(_ block: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= recycleThreshold {
            lock.lock()
            if freeBytes + count &* 4 <= recycleCapacityBytes {
                freeBlocks[count, default: []].append(block)
                freeBytes += count &* 4
                lock.unlock()
                return
            }
            lock.unlock()
        }
        free(block)
    }

    /// Frees every recycled block (e.g. after training, before a memory-hungry inference).
    public static func drainRecycled() {
        lock.lock()
        for (_, list) in freeBlocks { for block in list { free(block) } }
        freeBlocks = [:]
        freeBytes = 0
        lock.unlock()
    }
}
