import Dispatch
import Foundation
import ImageCore

/// What `deblur restore` shows of a long iterative method (`IterationProgress`): a progress line on a
/// terminal (on standard error, redrawn at most five times a second; a line every five seconds when
/// standard error is a file or pipe), and on Ctrl-C (SIGINT) or
/// SIGTERM one sentence saying where it stopped and that nothing was written — the output is written
/// only after the restoration, atomically.
final class IterationReporter: @unchecked Sendable {
    // @unchecked Sendable: the mutable state is only touched under `lock`.
    private let lock = NSLock()
    private let method: String
    private let output: String
    private let started = Date()
    private let terminal = isatty(2) != 0
    private let bar = ProgressBar()
    private var done = 0, total = 0, pass = 0
    private var lastDrawn = Date.distantPast
    private var drewLine = false
    private var sources: [DispatchSourceSignal] = []

    init(method: String, output: String) {
        self.method = method
        self.output = output
    }

    /// Runs `body` with this reporter observing its iterations and answering SIGINT/SIGTERM; afterwards
    /// the signals have their default effect again (a Ctrl-C while the file is written just stops).
    func run<T>(_ body: () throws -> T) rethrows -> T {
        installSignalHandlers()
        defer {
            removeSignalHandlers()
            lock.lock()
            if drewLine && terminal { ProgressBar.write("\n") }
            lock.unlock()
        }
        return try IterationProgress.observing({ [self] done, total in observe(done, total) }, body)
    }

    private func observe(_ done: Int, _ total: Int) {
        lock.lock()
        defer { lock.unlock() }
        if done == 1 || total != self.total {
            pass += 1
            bar.restart()
        }
        self.done = done
        self.total = total
        let now = Date()
        let passLabel = pass > 1 ? "pass \(pass)  " : ""
        if terminal {
            guard now.timeIntervalSince(lastDrawn) >= 0.2 || done == total else { return }
            lastDrawn = now
            drewLine = true
            ProgressBar.write("\r" + bar.line(done, of: total, detail: "\(passLabel)\(method) iterations"))
        } else {
            // A log gets a line every 5 s, so a long run shows it is alive whatever its speed.
            guard now.timeIntervalSince(lastDrawn) >= 5, now.timeIntervalSince(started) >= 5 else { return }
            lastDrawn = now
            ProgressBar.write(bar.line(done, of: total, detail: "\(passLabel)\(method) iterations") + "\n")
        }
    }

    private func installSignalHandlers() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in interrupted(by: signalNumber) }
            source.resume()
            sources.append(source)
        }
    }

    private func removeSignalHandlers() {
        for source in sources { source.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// Says where the run stopped and leaves at once (exit status 128 + the signal, as a shell reports it).
    private func interrupted(by signalNumber: Int32) -> Never {
        lock.lock()
        let seconds = Date().timeIntervalSince(started)
        let at = total > 0 ? " at iteration \(done) of \(total)\(pass > 1 ? " (pass \(pass))" : "")" : " before its first iteration"
        let name = signalNumber == SIGINT ? "SIGINT" : "SIGTERM"
        let text = "\(drewLine && terminal ? "\n" : "")deblur restore: \(method) interrupted by \(name)\(at) after "
            + String(format: "%.1f", seconds) + " s; nothing was written to \(output).\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        _exit(128 + signalNumber)
    }
}
