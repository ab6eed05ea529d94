import Foundation
import ImageCore
import ImageIO
import Testing

/// `deblur score` where the ST-LPIPS weights are not installed (a copied binary run outside the
/// repository): the default list scores the other four metrics and says why ST-LPIPS is missing;
/// asked for by name, the missing weights are an error naming the file. Run as a process, so the
/// environment variable that points the weights elsewhere touches no other test.
@Suite("score without the ST-LPIPS weights")
struct ScoreWithoutWeightsTests {
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let binary = TrainKillResumeTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the tool first (swift build): \(binary.path)")
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DEBLUR_STLPIPS_WEIGHTS"] = "/nonexistent/stlpips-alex.safetensors"
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, stdout, stderr)
    }

    @Test("the default list leaves ST-LPIPS out with a note; --metrics st-lpips fails naming the file")
    func missingWeights() throws {
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 37×41 is too small for MS-SSIM (161) and VIF (41): a larger image for the default list.
        let big = dir.appendingPathComponent("big.png").path
        var image = Image(channels: 3, height: 170, width: 180)
        for i in image.pixels.indices { image.pixels[i] = Float((i * 7919) % 97) / 96 }
        try writeImage(image, to: big)
        let defaults = try run(["score", big, big, "--json"])
        #expect(defaults.status == 0, "\(defaults.stderr)")
        #expect(defaults.stdout.contains("\"psnr\"") && defaults.stdout.contains("\"vif\"") && !defaults.stdout.contains("st_lpips"))
        #expect(defaults.stderr.contains("st_lpips left out") && defaults.stderr.contains("/nonexistent/stlpips-alex.safetensors"))
        let named = try run(["score", input, input, "--metrics", "psnr,st-lpips"])
        #expect(named.status != 0)
        #expect(named.stderr.contains("/nonexistent/stlpips-alex.safetensors") && named.stderr.contains("fetch-weights"))
        #expect(!named.stdout.contains("PSNR"))
    }
}
