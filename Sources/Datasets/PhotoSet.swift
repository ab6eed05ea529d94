import Foundation
import ImageCore
import ImageIO

/// One photograph of `scripts/photos.tsv`: where its original comes from and how it is reduced.
public struct PhotoRecord: Sendable, Equatable {
    /// Output file name in the built-in folder (`bridge.png`); its stem is the scene name.
    public let file: String
    /// Debian package holding the original, the version the list was made from, and the path inside it.
    public let package: String
    public let version: String
    public let path: String
    /// SHA-256 (lower-case hex) of the original file as shipped in the package.
    public let sha256: String
    /// Size of the original in pixels.
    public let width: Int
    public let height: Int
    /// Integer downscale factor (`integerDownscaleFactor(width:height:)`, long side ≤ 1024 px).
    public let factor: Int
    public let author: String
    public let licence: String
    /// `texture`, `defocus`, `test`, `train` (see `SceneTag`); empty for none.
    public let tags: Set<String>
    public let note: String

    /// Scene name (the file name without extension).
    public var scene: String { (file as NSString).deletingPathExtension }
    /// Name of the verified original in `Data/photo-originals/` (scene + the original's extension).
    public var originalName: String { scene + "." + (path as NSString).pathExtension }
    /// Size after downscaling.
    public var outputWidth: Int { width / factor }
    public var outputHeight: Int { height / factor }
}

/// The photo list (`scripts/photos.tsv`, copied to `Data/builtin/photos.tsv` by `scripts/fetch-data.sh`)
/// and the step that turns its verified originals into the built-in set's PNGs.
public enum PhotoSet {
    /// Longest side of a built-in photograph after downscaling.
    public static let maxSide = 1024
    static let columns = ["file", "package", "version", "path", "sha256", "width", "height", "factor",
                          "author", "licence", "tags", "note"]

    /// Parses the tab-separated list; `#` lines and blank lines are skipped.
    /// - Throws: `DatasetError.photoListInvalid` naming the line and what is wrong: a column count
    ///   other than 12, a hash that is not 64 hex digits, a non-positive size, a factor other than
    ///   `integerDownscaleFactor(width:height:)`, a file name that is not a unique `.png`, an empty
    ///   author or licence, or an unknown tag.
    public static func parse(_ text: String) throws -> [PhotoRecord] {
        var records: [PhotoRecord] = []
        var seen: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let n = index + 1
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            func bad(_ reason: String) -> DatasetError { .photoListInvalid(line: n, reason: reason) }
            guard f.count == columns.count else {
                throw bad("expected \(columns.count) tab-separated columns (\(columns.joined(separator: ", "))), found \(f.count)")
            }
            guard f[0].hasSuffix(".png"), f[0].count > 4, !f[0].contains("/") else { throw bad("file '\(f[0])' must be a plain NAME.png") }
            guard seen.insert(f[0]).inserted else { throw bad("file '\(f[0])' is listed twice") }
            guard f[4].count == 64, f[4].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw bad("sha256 '\(f[4])' is not 64 lower-case hex digits")
            }
            guard let w = Int(f[5]), let h = Int(f[6]), w > 0, h > 0 else { throw bad("width/height '\(f[5])', '\(f[6])' are not positive integers") }
            let expected = integerDownscaleFactor(width: w, height: h, maxSide: maxSide)
            guard let k = Int(f[7]), k == expected else {
                throw bad("factor '\(f[7])' should be \(expected), the smallest integer bringing \(w)×\(h) to a long side ≤ \(maxSide)")
            }
            guard !f[8].isEmpty, !f[9].isEmpty else { throw bad("author and licence must not be empty") }
            let tags = Set(f[10].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0 != "-" && !$0.isEmpty })
            if let unknown = tags.first(where: { SceneTag(rawValue: $0) == nil }) {
                throw bad("unknown tag '\(unknown)'; use \(SceneTag.allCases.map(\.rawValue).joined(separator: ", ")) or -")
            }
            records.append(PhotoRecord(file: f[0], package: f[1], version: f[2], path: f[3], sha256: f[4], width: w, height: h,
                                       factor: k, author: f[8], licence: f[9], tags: tags, note: f[11]))
        }
        return records
    }

    /// Reads and parses a list file.
    public static func read(at url: URL) throws -> [PhotoRecord] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw DatasetError.notFound(path: url.path) }
        return try parse(text)
    }

    /// Writes every listed photograph that is missing from `folder`: the original from `originals` is
    /// checked against its SHA-256 and its recorded size, downscaled with `downscaleByAveraging` and
    /// written as 8-bit PNG (atomically, so concurrent callers and interrupted runs never leave a partial
    /// file). Photographs already present are not touched.
    /// - Returns: the file names written.
    /// - Throws: `DatasetError.photoOriginalMissing`, `.photoChecksumMismatch`, `.photoSizeMismatch`, and
    ///   image decoding errors. The first failure is thrown after the others have been attempted.
    @discardableResult
    public static func prepare(_ records: [PhotoRecord], originals: URL, into folder: URL) throws -> [String] {
        let todo = records.filter { !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0.file).path) }
        let failures = Failures()
        // Parallel over photographs (each decode + reduce is single-threaded).
        DispatchQueue.concurrentPerform(iterations: todo.count) { i in
            do { try prepareOne(todo[i], originals: originals, into: folder) } catch { failures.record(i, error) }
        }
        if let first = failures.first { throw first }
        return todo.map(\.file)
    }

    /// Verifies one original and writes its downscaled PNG.
    public static func prepareOne(_ r: PhotoRecord, originals: URL, into folder: URL) throws {
        let url = originals.appendingPathComponent(r.originalName)
        guard let data = try? Data(contentsOf: url) else { throw DatasetError.photoOriginalMissing(path: url.path) }
        let actual = SHA256.hex(data)
        guard actual == r.sha256 else { throw DatasetError.photoChecksumMismatch(path: url.path, expected: r.sha256, actual: actual) }
        let image = try decodeImage(data, name: url.path)
        guard image.width == r.width, image.height == r.height else {
            throw DatasetError.photoSizeMismatch(path: url.path, expected: "\(r.width)×\(r.height)", actual: "\(image.width)×\(image.height)")
        }
        let small = try downscaleByAveraging(image, factor: r.factor)
        try writeImage(small, to: folder.appendingPathComponent(r.file).path)
    }
}

/// Errors of parallel work, by index (the lowest index is reported).
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Int: Error] = [:]
    func record(_ index: Int, _ error: Error) { lock.lock(); errors[index] = error; lock.unlock() }
    var first: Error? { lock.lock(); defer { lock.unlock() }; return errors.keys.min().flatMap { errors[$0] } }
}

/// Tags a scene can carry in `scripts/builtin-images.tsv`, `scripts/photos.tsv` and `Data/builtin/scenes.tsv`.
public enum SceneTag: String, Sendable, CaseIterable {
    /// Pinned to the test side of the split (the two test scenes of the original ten-image set).
    case test
    /// Pinned to the training side (the eight training scenes of the original ten-image set).
    case train
    /// One material filling the frame: kept out of validation (it says little about photographs).
    case texture
    /// Large out-of-focus regions: blur there is invisible, so scores measure less.
    case defocus
}

/// Reads a `scene<TAB>tags` file (`Data/builtin/scenes.tsv`): tags comma-separated, `-` for none.
/// Unknown tags are kept (the split only looks at the ones it knows).
public func readSceneTags(at url: URL) -> [String: Set<String>]? {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
    var tags: [String: Set<String>] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard let scene = f.first, !scene.isEmpty else { continue }
        let list = f.count > 1 ? f[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
        tags[String(scene)] = Set(list.filter { $0 != "-" && !$0.isEmpty })
    }
    return tags
}
