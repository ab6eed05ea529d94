import Foundation

/// Progress of a long iterative computation (Richardson–Lucy, Landweber, the HQS and ADMM solvers), for
/// whoever wants to show or record it: the command line's progress line and interrupt message.
///
/// The loops call `report(_:of:)` once per iteration; nothing happens unless an observer is installed
/// on the calling thread around the call (`IterationProgress.observing(…) { … }`). Per-channel methods
/// report each channel as its own pass (the count starts again at 1).
///
/// The observer is per thread (the thread's dictionary), not a Swift task-local value: the solvers'
/// loops run on the caller's thread, and `TaskLocal.withValue` called synchronously from the
/// command's async entry point crashed optimised builds (swift_task_localValuePush, Swift 6.3.1).
public enum IterationProgress {
    /// Receives (iterations done, iterations in this pass).
    public typealias Observer = @Sendable (Int, Int) -> Void

    private final class Box {
        let observer: Observer
        init(_ observer: @escaping Observer) { self.observer = observer }
    }

    private static let key = "DeblurWorkbench.IterationProgress"

    /// Runs `body` with `observer` receiving the iterations reported on this thread.
    public static func observing<T>(_ observer: @escaping Observer, _ body: () throws -> T) rethrows -> T {
        let dictionary = Thread.current.threadDictionary
        let previous = dictionary[key]
        dictionary[key] = Box(observer)
        defer { dictionary[key] = previous }
        return try body()
    }

    public static func report(_ done: Int, of total: Int) {
        (Thread.current.threadDictionary[key] as? Box)?.observer(done, total)
    }
}
