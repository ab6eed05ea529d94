import Foundation
import ImageCore
import ImageIO
import Testing

/// A long classical run stopped with Ctrl-C says where it stopped, writes nothing and exits 130; one that
/// writes its progress to a file (not a terminal) shows a line every 5 s.
@Suite("restore: progress and interrupt", .serialized)
struct RestoreInterruptTests {
    static let binary = TrainKillResumeTests.binary

    @Test("SIGINT during 10,000 Richardson–Lucy iterations: a sentence naming the iteration, exit 130, no file")
    func interruptWritesNothing() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first (swift build): \(Self.binary.path)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-interrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var image = Image(channels: 3, height: 300, width: 320)
        for p in image.pixels.indices { image.pixels[p] = Float((p &* 7919) % 251) / 250 }
        let input = dir.appendingPathComponent("in.png"), output = dir.appendingPathComponent("out.png")
        try writeImage(image, to: input.path)

        let p = Process()
        p.executableURL = Self.binary
        p.arguments = ["restore", input.path, "--psf", "gaussian:2", "--method", "rl", "--iterations", "10000", "-o", output.path]
        let errors = Pipe()
        p.standardError = errors
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Let it get well into the iterations (the progress lines start after 5 s), then interrupt.
        Thread.sleep(forTimeInterval: 9)
        try #require(p.isRunning, "10,000 iterations on 300×320×3 finished in 9 s?")
        kill(p.processIdentifier, SIGINT)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 130, "status \(p.terminationStatus): \(text)")
        #expect(text.contains("rl interrupted by SIGINT at iteration "), "\(text)")
        #expect(text.contains("of 10000"), "\(text)")
        #expect(text.contains("nothing was written to \(output.path)."), "\(text)")
        #expect(text.contains("rl iterations  ETA"), "no progress line on a non-terminal after 5 s: \(text)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(left == ["in.png"], "files left: \(left)")
    }
}
