import Foundation
import ImageCore

/// The temporary folder holding restored images and result descriptions.
///
/// Every file name is generated here: `<32 hex digits>-<kind>.png|json`, the hex digits from the system's
/// random generator. `data(named:)` accepts only names of that shape, so no client-provided string ever
/// reaches the file system as a path. Files are removed once older than `maxAge`, and the oldest go first
/// whenever the folder exceeds `maxBytes` (`sweep`).
public final class ResultStore: @unchecked Sendable {
    /// The folder; created with owner-only permissions.
    public let folder: URL
    public let maxAge: TimeInterval
    public let maxBytes: Int
    private let lock = NSLock()
    private let ownsFolder: Bool

    /// - Parameters:
    ///   - folder: where to keep results; nil creates a new folder under the system's temporary directory
    ///     (removed again by `removeAll()`).
    ///   - maxAge: seconds a result is kept.
    ///   - maxBytes: the folder's size cap.
    public init(folder: URL? = nil, maxAge: TimeInterval, maxBytes: Int) throws {
        if let folder {
            self.folder = folder
            ownsFolder = false
        } else {
            self.folder = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-web-\(ResultStore.newID().prefix(12))")
            ownsFolder = true
        }
        self.maxAge = maxAge
        self.maxBytes = maxBytes
        try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    /// A new random result identifier: 128 bits as 32 lower-case hex digits.
    public static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0 ..< 2).map { _ in String(format: "%016llx", rng.next() as UInt64) }.joined()
    }

    /// True for names this store generates: `<id>-<kind>.png` or `.json`, kind in [a-z0-9-], ≤ 48 characters.
    public static func isValidName(_ name: String) -> Bool {
        name.range(of: #"^[0-9a-f]{32}-[a-z0-9][a-z0-9-]{0,47}\.(png|json)$"#, options: .regularExpression) != nil
    }

    /// Writes a file under a generated name (`id` from `newID()`, `kind` such as `wiener`) and returns the name.
    @discardableResult
    public func store(_ data: Data, id: String, kind: String, extension ext: String) throws -> String {
        let name = "\(id)-\(kind).\(ext)"
        precondition(ResultStore.isValidName(name), "ResultStore: generated name '\(name)' does not match the name pattern")
        try writeAtomically(data, to: folder.appendingPathComponent(name))
        return name
    }

    /// The bytes of a stored file, or nil when the name is not one this store makes or the file is gone.
    public func data(named name: String) -> Data? {
        guard ResultStore.isValidName(name) else { return nil }
        return try? Data(contentsOf: folder.appendingPathComponent(name))
    }

    /// Removes files older than `maxAge` (relative to `now`), then the oldest files until the folder holds at
    /// most `maxBytes`. Returns how many files were removed.
    @discardableResult
    public func sweep(now: Date = Date()) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let fm = FileManager.default
        let keys: [URLResourceKey] = [.contentModificationDateKey, .fileSizeKey]
        guard let urls = try? fm.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys) else { return 0 }
        var files: [(url: URL, date: Date, size: Int)] = urls.compactMap { url in
            guard let values = try? url.resourceValues(forKeys: Set(keys)) else { return nil }
            return (url, values.contentModificationDate ?? .distantPast, values.fileSize ?? 0)
        }
        files.sort { $0.date < $1.date }
        var total = files.reduce(0) { $0 + $1.size }
        var removed = 0
        for file in files {
            let expired = now.timeIntervalSince(file.date) > maxAge
            guard expired || total > maxBytes else { break }
            if (try? fm.removeItem(at: file.url)) != nil {
                removed += 1
                total -= file.size
            }
        }
        return removed
    }

    /// Removes the folder if this store created it.
    public func removeAll() {
        if ownsFolder { try? FileManager.default.removeItem(at: folder) }
    }
}
