import ImageCore

/// Runs `body` over contiguous sub-ranges of `0..<count` on `parallelFor` workers when `count` is
/// large (at least `minimumChunk` elements per worker), else inline. For memory-bound elementwise
/// passes (activation derivatives, optimiser updates, losses); `body` must write only its range.
@inline(__always)
public func forEachChunk(_ count: Int, minimumChunk: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    let workers = min(workerThreadCount, max(1, count / minimumChunk))
    if workers <= 1 {
        body(0 ..< count)
        return
    }
    parallelFor(workers, threads: workers) { w in body(count * w / workers ..< count * (w + 1) / workers) }
}
