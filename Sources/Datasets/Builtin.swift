import Foundation

/// Where the built-in images live and how to find them.
///
/// `scripts/fetch-data.sh` (run by `make demo` and `make test`) installs scikit-image 0.26.0's
/// CC0 / public-domain photographs into `Data/builtin/`, and the verified originals of the Debian
/// wallpaper photographs of `scripts/photos.tsv` into `Data/photo-originals/`; `folder()` writes their
/// downscaled PNGs into `Data/builtin/` the first time it runs (`PhotoSet.prepare`; once, 52 s of CPU in a debug build),
/// so the built-in set is the union of both lists (42 scenes). The folder is looked up, in order, from
/// `$DEBLUR_DATA_DIR/builtin`, `./Data/builtin`, and the `Data/builtin` folder above the running
/// executable (so `.build/release/deblur` finds the checkout's data from any working directory).
public enum BuiltinData {
    public static let fetchCommand = "scripts/fetch-data.sh (or `make test`)"

    /// Candidate folders, most specific first.
    public static func candidates() -> [URL] {
        var list: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["DEBLUR_DATA_DIR"], !dir.isEmpty {
            list.append(URL(fileURLWithPath: dir).appendingPathComponent("builtin"))
        }
        list.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Data/builtin"))
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").standardizedFileURL.deletingLastPathComponent()
        for _ in 0 ..< 5 {
            list.append(dir.appendingPathComponent("Data/builtin"))
            dir = dir.deletingLastPathComponent()
        }
        return list
    }

    /// The built-in image folder.
    /// - Throws: `DatasetError.notFound` with the command that installs it.
    /// - Throws: `DatasetError.notFound` with the command that installs it, and the errors of
    ///   `PhotoSet.prepare` when a photograph is missing or does not match its hash.
    public static func folder() throws -> URL {
        for url in candidates() where FileManager.default.fileExists(atPath: url.appendingPathComponent("ATTRIBUTION.md").path) {
            try preparePhotos(in: url)
            return url
        }
        throw DatasetError.notFound(path: "Data/builtin")
    }

    private static let preparation = NSLock()

    /// Writes the photographs listed in `folder/photos.tsv` that are not there yet, from the originals in
    /// the sibling `photo-originals/` (serialised within the process; across processes writes are atomic).
    static func preparePhotos(in folder: URL) throws {
        let list = folder.appendingPathComponent("photos.tsv")
        guard FileManager.default.fileExists(atPath: list.path) else { return }
        preparation.lock()
        defer { preparation.unlock() }
        let originals = folder.deletingLastPathComponent().appendingPathComponent("photo-originals")
        try PhotoSet.prepare(PhotoSet.read(at: list), originals: originals, into: folder)
    }

    /// `loadDataset(at:)` for `builtin` or a path.
    public static func resolve(_ source: String) throws -> Dataset {
        if source == "builtin" { return try loadDataset(at: folder().path) }
        return try loadDataset(at: source)
    }
}
