import Foundation

/// Files the tool finds relative to its project (downloaded weights, shipped checkpoints), wherever
/// it is started from.
public enum ProjectFiles {
    /// Where `relative` (e.g. `Data/weights/x.safetensors`) is looked for, in order: the current
    /// directory, then the executable's folder and its 8 ancestors (…/.build/release/deblur → the
    /// repository root); each path once.
    public static func candidates(_ relative: String) -> [URL] {
        var out = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(relative)]
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0 ... 8 {
            out.append(directory.appendingPathComponent(relative))
            directory.deleteLastPathComponent()
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// The first of `candidates(relative)` that exists, else the current-directory path, which then
    /// reports as missing.
    public static func locate(_ relative: String) -> URL {
        let all = candidates(relative)
        return all.first { FileManager.default.fileExists(atPath: $0.path) } ?? all[0]
    }
}
