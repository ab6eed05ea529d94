import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bounded pool for CPU-heavy jobs: at most `workers` run at once, on threads outside Swift's cooperative
/// pool (so the HTTP event loops and other tasks stay responsive); up to `maxQueued` more wait in FIFO order,
/// and beyond that `run` refuses with `WebAppError.busy` instead of letting memory grow without limit.
public actor WorkerPool {
    public let workers: Int
    public let maxQueued: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(workers: Int, maxQueued: Int) {
        precondition(workers >= 1, "WorkerPool needs at least one worker (got \(workers))")
        self.workers = workers
        self.maxQueued = max(0, maxQueued)
    }

    /// Jobs currently running and waiting.
    public var load: (running: Int, queued: Int) { (running, waiting.count) }

    private func acquire() async throws {
        if running < workers {
            running += 1
            return
        }
        guard waiting.count < maxQueued else { throw WebAppError.busy(queued: waiting.count) }
        // The slot is handed over by `release` (running stays constant).
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
            if running == 0 { returnFreedMemory() }
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Runs `job` on a worker thread once a slot is free, and returns its result.
    /// - Throws: `WebAppError.busy` when the queue is full, or whatever `job` throws.
    public func run<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try await acquire()
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { try job() })
            }
        }
        release()
        return try result.get()
    }
}

/// Gives the C allocator's freed pages back to the system (`malloc_trim`), off the caller's thread.
/// Called when the pool falls idle: a restoration frees its large buffers, but glibc keeps freed pages in
/// its per-thread arenas, so without this the server's resident memory stays at its busiest figure
/// long after the last upload (measured in scripts/soak.sh; README "Reliability").
func returnFreedMemory() {
    guard let trim = mallocTrim else { return }
    DispatchQueue.global(qos: .utility).async { _ = trim(0) }
}

/// glibc's `malloc_trim`, looked up at run time (Swift's Glibc module does not import <malloc.h>);
/// nil with another C library.
private let mallocTrim: (@convention(c) (Int) -> Int32)? = {
    #if canImport(Glibc)
    guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    #else
    return nil
    #endif
}()
