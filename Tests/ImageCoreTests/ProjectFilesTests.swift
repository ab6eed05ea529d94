import Foundation
import Testing
@testable import ImageCore

@Suite("Project files")
struct ProjectFilesTests {
    @Test("candidates: the current directory first, then the executable's folder and its ancestors, each once")
    func candidateOrder() {
        let relative = "Baselines/models/no-such-model-\(UUID().uuidString).safetensors"
        let all = ProjectFiles.candidates(relative)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(relative)
        #expect(all.first?.standardizedFileURL.path == cwd.standardizedFileURL.path)
        #expect(Set(all.map(\.standardizedFileURL.path)).count == all.count)
        #expect(all.count >= 2 && all.allSatisfy { $0.path.hasSuffix(relative) })
        // Missing everywhere: the current-directory path, which the caller reports as missing.
        #expect(ProjectFiles.locate(relative).standardizedFileURL.path == cwd.standardizedFileURL.path)
    }

    @Test("the package root, an ancestor of the test runner, is among the candidates, and a file there is found")
    func findsAboveTheExecutable() throws {
        // The test runner lives under the package's .build folder, so the package root is one of its ancestors.
        let executableDirectory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        let ancestors = (0 ... 8).map { n in (0 ..< n).reduce(executableDirectory) { d, _ in d.deletingLastPathComponent() } }
        let root = try #require(ancestors.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("Package.swift").path) })
        let found = ProjectFiles.locate("Package.swift")
        #expect(FileManager.default.fileExists(atPath: found.path))
        #expect(ProjectFiles.candidates("Package.swift").contains { $0.standardizedFileURL.path == root.appendingPathComponent("Package.swift").standardizedFileURL.path })
    }
}
