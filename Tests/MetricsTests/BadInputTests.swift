import Foundation
import ImageCore
import Testing
@testable import Metrics

@Suite("Bad input gives named errors that say how to fix it")
struct BadInputTests {
    let a = texturedImage(channels: 3, height: 170, width: 170, seed: 20)

    func allMetrics() throws -> [any Metric] { [PSNR(), SSIM(), MSSSIM(), VIF(), try loadSTLPIPS()] }

    @Test("a size mismatch is sizeMismatch for every metric")
    func sizeMismatch() throws {
        let b = try a.cropped(x: 0, y: 0, width: 169, height: 170)
        for metric in try allMetrics() {
            #expect(throws: MetricsError.sizeMismatch(metric: metric.displayName, reference: "3×170×170", test: "3×170×169")) {
                try metric.score(reference: a, test: b)
            }
        }
        let message = MetricsError.sizeMismatch(metric: "SSIM", reference: "3×170×170", test: "3×170×169").localizedDescription
        #expect(message.contains("crop or resize"))
    }

    @Test("a channel mismatch is channelMismatch for every metric")
    func channelMismatch() throws {
        let gray = try a.luma()
        for metric in try allMetrics() {
            #expect(throws: MetricsError.channelMismatch(metric: metric.displayName, reference: 3, test: 1)) {
                try metric.score(reference: a, test: gray)
            }
        }
        #expect(MetricsError.channelMismatch(metric: "VIF", reference: 3, test: 1).localizedDescription.contains("Image.rgb()"))
    }

    @Test("NaN and infinity are nonFinite with their location", arguments: [Float.nan, Float.infinity, -Float.infinity])
    func nonFinite(value: Float) throws {
        var bad = a
        bad[1, 2, 3] = value
        for metric in try allMetrics() {
            #expect(throws: MetricsError.nonFinite(metric: metric.displayName, image: "test", channel: 1, x: 3, y: 2)) {
                try metric.score(reference: a, test: bad)
            }
            #expect(throws: MetricsError.nonFinite(metric: metric.displayName, image: "reference", channel: 1, x: 3, y: 2)) {
                try metric.score(reference: bad, test: a)
            }
        }
    }

    @Test("images smaller than the window are imageTooSmall with the minimum")
    func tooSmall() throws {
        func pair(_ side: Int) throws -> (Image, Image) {
            let r = try a.cropped(x: 0, y: 0, width: side, height: side + 5)
            return (r, noisy(r, sigma: 0.01, seed: 21))
        }
        let cases: [(any Metric, Int, Int)] = [
            (SSIM(), 10, 11), (SSIM(window: .uniform7), 6, 7), (MSSSIM(), 160, 161), (VIF(), 40, 41),
            (try loadSTLPIPS(), 20, 21), (PSNR(borderCrop: 5), 10, 11),
        ]
        for (metric, side, minimum) in cases {
            let (r, t) = try pair(side)
            do {
                _ = try metric.score(reference: r, test: t)
                Issue.record("\(metric.displayName) accepted a \(side)-pixel side")
            } catch let MetricsError.imageTooSmall(name, width, height, minimumSide, reason) {
                #expect(name == metric.displayName && width == side && height == side + 5 && minimumSide == minimum)
                #expect(!reason.isEmpty)
            }
        }
        #expect(MetricsError.imageTooSmall(metric: "SSIM", width: 8, height: 8, minimum: 11, reason: "window").localizedDescription
            .contains("Score a larger crop"))
    }

    @Test("luma of a 2-channel image and ST-LPIPS of a 4-channel image are unsupportedChannels")
    func unsupportedChannels() throws {
        let two = Image(channels: 2, height: 50, width: 50, value: 0.5)
        #expect(throws: MetricsError.unsupportedChannels(metric: "VIF", channels: 2, expected: "1 (gray) or 3 (RGB) for luma")) {
            try VIF().score(reference: two, test: two)
        }
        let four = Image(channels: 4, height: 30, width: 30, value: 0.5)
        #expect(throws: MetricsError.unsupportedChannels(metric: "ST-LPIPS (alex)", channels: 4, expected: "1 (gray) or 3 (RGB)")) {
            try loadSTLPIPS().score(reference: four, test: four)
        }
        // Per-channel metrics accept any channel count.
        #expect(try SSIM().score(reference: four, test: four) == 1)
    }

    @Test("missing weights say which command fetches them; a corrupt file is weightsInvalid")
    func weights() throws {
        let missing = "/nonexistent/st-lpips-alex.safetensors"
        #expect(throws: MetricsError.weightsMissing(path: missing)) { try STLPIPS(weightsPath: missing) }
        let message = MetricsError.weightsMissing(path: missing).localizedDescription
        #expect(message.contains("scripts/fetch-weights.sh") && message.contains("make test"))
        let corrupt = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UInt32.random(in: 0 ... .max)).safetensors")
        try Data([1, 2, 3]).write(to: corrupt)
        defer { try? FileManager.default.removeItem(at: corrupt) }
        do {
            _ = try STLPIPS(weightsPath: corrupt.path)
            Issue.record("a 3-byte file was accepted as weights")
        } catch let MetricsError.weightsInvalid(path, reason) {
            #expect(path == corrupt.path && !reason.isEmpty)
        }
    }

    @Test("a non-positive difference-map maximum is invalidParameter")
    func heatMapMaximum() throws {
        #expect(throws: MetricsError.self) { try differenceHeatMap(reference: a, test: a, maximum: 0) }
        #expect(throws: MetricsError.self) { try differenceHeatMap(reference: a, test: a, maximum: .nan) }
    }
}
