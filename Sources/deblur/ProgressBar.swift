import Foundation

/// The progress line of long commands (`train`, `compare`), on standard error:
/// `████······ 12/40  <detail>  ETA m:ss`, the ETA extrapolated from the time since `restart()`.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var start = Date()

    /// Starts timing again (e.g. at each epoch).
    func restart() { lock.lock(); start = Date(); lock.unlock() }

    /// The line for `done` of `total` items; `detail` goes between the count and the ETA.
    func line(_ done: Int, of total: Int, detail: String = "") -> String {
        lock.lock(); let elapsed = Date().timeIntervalSince(start); lock.unlock()
        let eta = done > 0 ? Int(elapsed / Double(done) * Double(total - done)) : 0
        let filled = min(30, done * 30 / max(total, 1))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: 30 - filled)
        return "\(bar) \(done)/\(total)\(detail.isEmpty ? "" : "  " + detail)  ETA \(eta / 60):\(String(format: "%02d", eta % 60))"
    }

    /// Writes `text` to standard error.
    static func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
