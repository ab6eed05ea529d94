/// Progress of a long iterative computation (Richardson–Lucy, Landweber, the HQS solvers), for whoever
/// wants to show or record it: the command line's progress line and interrupt message.
///
/// The loops call `report(_:of:)` once per iteration; nothing happens unless an observer is bound
/// around the call (`IterationProgress.$observer.withValue(…) { … }`), so library users pay one
/// task-local read per iteration. Per-channel methods report each channel as its own pass (the count
/// starts again at 1).
public enum IterationProgress {
    /// Receives (iterations done, iterations in this pass).
    @TaskLocal public static var observer: (@Sendable (Int, Int) -> Void)?

    public static func report(_ done: Int, of total: Int) {
        observer?(done, total)
    }
}
