import Foundation

/// Writes `data` to `url` so that readers never see a half-written file: the bytes go to a
/// temporary sibling (`.NAME.tmp-PID-RANDOM`) which is renamed over the destination once complete.
/// Every file the workbench writes goes through here.
/// - Throws: `AtomicFileError.write` naming the destination and the system's reason.
public func writeAtomically(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
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
