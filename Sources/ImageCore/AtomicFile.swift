import Foundation

/// Writes `data` to `url` so that readers never see a half-written file: the bytes go to a
/// temporary sibling (`.NAME.tmp-PID-RANDOM`) which is renamed over the destination once complete.
/// Every file the workbench writes goes through here.
/// - Throws: `AtomicFileError.write` naming the destination and the system's reason.
/// The first write into a folder also removes temporaries that killed processes left there (see
/// `removeStaleTemporaries`), so a run interrupted while writing leaves no stray file behind its re-run.
public func writeAtomically(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    StaleTemporaries.sweepOnce(directory)
    let temporary = directory.appendingPathComponent(
        ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0 ... .max))")
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try data.write(to: temporary)
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            throw AtomicFileError.write(path: url.path, reason: reason)
        }
    } catch let error as AtomicFileError {
        try? FileManager.default.removeItem(at: temporary)
        throw error
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw AtomicFileError.write(path: url.path, reason: error.localizedDescription)
    }
}

/// Failure to write a file.
public enum AtomicFileError: LocalizedError, Equatable {
    case write(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .write(path, reason):
            return "Could not write '\(path)': \(reason). Check that the folder exists or can be created and is writable."
        }
    }
}

/// Removes `.NAME.tmp-PID-RANDOM` files of `writeAtomically` whose process no longer runs (a process
/// killed between writing and renaming). Files of live processes, of this process, and every other
/// file are left alone.
/// - Returns: the names removed.
@discardableResult
public func removeStaleTemporaries(in directory: URL) -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
    let own = ProcessInfo.processInfo.processIdentifier
    var removed: [String] = []
    for name in names where name.hasPrefix(".") {
        guard let range = name.range(of: ".tmp-", options: .backwards) else { continue }
        let fields = name[range.upperBound...].split(separator: "-")
        guard fields.count == 2, let pid = Int32(fields[0]), UInt32(fields[1]) != nil, pid > 0, pid != own else { continue }
        // kill(pid, 0) fails with ESRCH only when no such process exists.
        guard kill(pid, 0) != 0, errno == ESRCH else { continue }
        if (try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))) != nil { removed.append(name) }
    }
    return removed.sorted()
}

/// Folders already swept by this process (one sweep per folder).
enum StaleTemporaries {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var swept: Set<String> = []

    static func sweepOnce(_ directory: URL) {
        let key = directory.standardizedFileURL.path
        lock.lock()
        let first = swept.insert(key).inserted
        lock.unlock()
        if first { removeStaleTemporaries(in: directory) }
    }
}
