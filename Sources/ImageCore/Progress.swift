import Foundation

/// The one thread-safe progress counter of long jobs (comparison rows, PSF-study cases, training
/// batches): workers call `step()`, and `report(done, total)` runs after each step, outside the lock.
/// How progress is shown (a bar on a terminal, a line every tenth in a log) is the caller's business.
public final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    public let total: Int
    private let report: (@Sendable (_ done: Int, _ total: Int) -> Void)?

    public init(total: Int, report: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) {
        self.total = total
        self.report = report
    }

    /// Counts one finished item and returns how many are done.
    @discardableResult
    public func step() -> Int {
        lock.lock()
        done += 1
        let n = done
        lock.unlock()
        report?(n, total)
        return n
    }

    public var count: Int { lock.lock(); defer { lock.unlock() }; return done }
}
