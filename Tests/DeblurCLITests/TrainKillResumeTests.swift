import Foundation
import ImageCore
import ImageIO
import Tensors
import Testing

/// Training survives a machine going away: a `deblur train` process killed with SIGKILL in the middle of
/// an epoch is resumed by a new process with `--resume`, and ends with the weights an uninterrupted
/// run reaches. One worker thread (`DEBLUR_THREADS=1`) makes both runs' arithmetic identical, so the
/// tolerance is float rounding: max |Δw| ≤ 1e-6.
@Suite("train: SIGKILL and resume", .serialized)
struct TrainKillResumeTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/deblur")

    func process(_ arguments: [String]) -> Process {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DEBLUR_THREADS"] = "1"
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        return p
    }

    /// Runs to the end; the exit status and what the tool printed on stderr (for failure messages).
    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let p = process(arguments)
        let pipe = Pipe()
        p.standardError = pipe
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    @Test("killed mid-epoch, resumed by a new process: the same weights as an uninterrupted run")
    func killAndResume() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first (swift build): \(Self.binary.path)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-kill-\(UUID().uuidString)")
        let data = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 0 ..< 6 {
            var img = Image(channels: 1, height: 100, width: 110)
            for p in img.pixels.indices { img.pixels[p] = Float(((p &* (7919 + 31 * i)) % 251)) / 250 }
            try writeImage(img, to: data.appendingPathComponent("scene\(i).png").path)
        }
        func arguments(_ out: URL) -> [String] {
            ["train", "--model", "unet", "--model-config", "levels=2,width=4", "--data", data.path, "--blur", "gaussian",
             "--patch", "24", "--batch", "2", "--steps-per-epoch", "30", "--epochs", "3", "--validation-patches", "2",
             "--seed", "5", "--out", out.path]
        }
        let straight = dir.appendingPathComponent("a/u.safetensors")
        let uninterrupted = try run(arguments(straight))
        try #require(uninterrupted.status == 0, "\(uninterrupted.stderr)")

        let killed = dir.appendingPathComponent("b/u.safetensors")
        let last = dir.appendingPathComponent("b/u.last.safetensors")
        let victim = process(arguments(killed))
        try victim.run()
        // Wait for the first epoch's resume file, then kill a little way into the second epoch.
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: last.path), victim.isRunning, Date() < deadline { usleep(20_000) }
        usleep(150_000)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal, "the run finished before it could be killed")
        let interrupted = try JSONDecoder().decode(TrainingStateProbe.self,
            from: Data(try SafeTensorsFile(contentsOf: last).metadata["training_state"]!.utf8))
        #expect(interrupted.completedEpochs < 3)

        let resumed = try run(arguments(killed) + ["--resume"])
        try #require(resumed.status == 0, "\(resumed.stderr)")
        let a = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("a/u.last.safetensors"))
        let b = try SafeTensorsFile(contentsOf: last)
        let names = a.names.filter { $0.hasPrefix("model.") }
        #expect(!names.isEmpty && names == b.names.filter { $0.hasPrefix("model.") })
        let worst = try names.map { try a.tensor(named: $0).maxAbsDifference(try b.tensor(named: $0)) }.max() ?? .infinity
        #expect(worst <= 1e-6, "largest weight difference \(worst)")
        let finished = try JSONDecoder().decode(TrainingStateProbe.self, from: Data(b.metadata["training_state"]!.utf8))
        #expect(finished.completedEpochs == 3 && finished.sessions.count == 2)
    }

    /// The parts of the saved training state this test reads.
    struct TrainingStateProbe: Decodable {
        struct Session: Decodable { var firstEpoch: Int }
        var completedEpochs: Int
        var sessions: [Session]
    }
}
