import Foundation

/// Files the tool finds relative to its project (downloaded weights, shipped checkpoints), wherever
/// it is started from.
public enum ProjectFiles {
    /// `relative` (e.g. `Data/weights/x.safetensors`) in the current directory if it is there, else in
    /// the nearest of the executable's 8 ancestors that has it (…/.build/release/deblur → the
    /// repository root), else the current-directory path, which then reports as missing.
    public static func locate(_ relative: String) -> URL {
        let manager = FileManager.default
        let here = URL(fileURLWithPath: manager.currentDirectoryPath).appendingPathComponent(relative)
        if manager.fileExists(atPath: here.path) { return here }
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0 ..< 8 {
            let candidate = directory.appendingPathComponent(relative)
            if manager.fileExists(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return here
    }
}
