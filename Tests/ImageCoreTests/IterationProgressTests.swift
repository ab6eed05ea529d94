import Foundation
import ImageCore
import Testing

@Suite("Iteration progress")
struct IterationProgressTests {
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [(Int, Int)] = []
        func add(_ done: Int, _ total: Int) { lock.lock(); items.append((done, total)); lock.unlock() }
        var all: [(Int, Int)] { lock.lock(); defer { lock.unlock() }; return items }
    }

    @Test("reports reach the observer installed on the reporting thread only, and none after it is removed")
    func observerIsPerThreadAndScoped() throws {
        let log = Log()
        let result = IterationProgress.observing({ log.add($0, $1) }) { () -> Int in
            for k in 1 ... 3 { IterationProgress.report(k, of: 3) }
            // Another thread reporting at the same time is not observed.
            let other = Thread { IterationProgress.report(99, of: 99) }
            other.start()
            while !other.isFinished { usleep(1000) }
            return 7
        }
        IterationProgress.report(5, of: 5)   // after the scope: nobody listens
        #expect(result == 7)
        #expect(log.all.map(\.0) == [1, 2, 3] && log.all.allSatisfy { $0.1 == 3 })
    }

    @Test("nested observers: the inner one while it is installed, the outer one again after")
    func nesting() throws {
        let outer = Log(), inner = Log()
        IterationProgress.observing({ outer.add($0, $1) }) {
            IterationProgress.report(1, of: 2)
            IterationProgress.observing({ inner.add($0, $1) }) { IterationProgress.report(1, of: 9) }
            IterationProgress.report(2, of: 2)
        }
        #expect(outer.all.map(\.0) == [1, 2] && inner.all.map(\.1) == [9])
    }
}
