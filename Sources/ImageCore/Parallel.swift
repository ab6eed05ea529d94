import Dispatch
import Foundation

/// Worker threads used by `parallelFor`: `DEBLUR_THREADS` if set, else the active processor count.
public let workerThreadCount: Int = {
    if let text = ProcessInfo.processInfo.environment["DEBLUR_THREADS"], let n = Int(text), n > 0 {
        return n
    }
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
}()

/// Runs `body(i)` for every `i` in `0..<count`, spread over `workerThreadCount` threads in
/// contiguous chunks. `body` must only write to memory no other iteration touches.
/// With one thread, or one item, it runs inline on the caller's thread.
public func parallelFor(_ count: Int, threads: Int = workerThreadCount,
                        _ body: (Int) -> Void) {
    guard count > 0 else { return }
    let workers = min(max(1, threads), count)
    if workers == 1 {
        for i in 0 ..< count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        // The caller promises disjoint writes, which is what makes sharing `body` safe.
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let start = count * w / workers, end = count * (w + 1) / workers
            for i in start ..< end { shared.value(i) }
        }
    }
}

/// Carries a value across a concurrency boundary whose safety the compiler cannot see
/// (e.g. a closure that writes disjoint parts of one buffer). Use only with a comment saying why.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// Splits `0..<count` into contiguous ranges of at least `minimumChunk` items and runs `body` on
/// them in parallel — for element-wise loops over large buffers. Small counts run inline.
public func parallelRanges(_ count: Int, minimumChunk: Int = 1 << 16, threads: Int = workerThreadCount,
                           _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = min(max(1, threads), max(1, count / max(1, minimumChunk)))
    if chunks == 1 { body(0 ..< count); return }
    parallelFor(chunks, threads: chunks) { i in body(count * i / chunks ..< count * (i + 1) / chunks) }
}

/// True when the numeric modules were compiled for the building machine's CPU (`-target-cpu native`,
/// the default in Package.swift); false for a portable build (`DEBLUR_PORTABLE_BUILD=1`).
public let builtForNativeCPU: Bool = {
    #if DEBLUR_NATIVE_CPU
    return true
    #else
    return false
    #endif
}()
