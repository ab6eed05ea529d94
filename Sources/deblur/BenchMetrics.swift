import ArgumentParser
import Foundation
import ImageCore
import ImageIO
import Metrics

/// `deblur bench metrics`: the speed of every metric on one RGB pair, against the Python tools
/// (scikit-image SSIM/PSNR, sewar VIFp, TensorFlow MS-SSIM) run by scripts/bench/python_metrics.py on
/// the same PNG files in the same run.
struct BenchMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Time PSNR, SSIM, MS-SSIM, VIF and ST-LPIPS against scikit-image, sewar and TensorFlow on the same images.")

    @Option(help: "Side of the square RGB test pair (the built-in astronaut photograph, resized).")
    var size = 1024

    @Option(name: .customLong("lpips-size"), help: "Side of the pair used for ST-LPIPS.")
    var lpipsSize = 512

    @Option(help: "Repetitions per measurement (the median is reported).")
    var repeats = 5

    @Option(help: "Python interpreter for the peers; an empty string skips them.")
    var python = "python3"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard size >= 161 else { throw ValidationError("--size must be at least 161 (MS-SSIM needs 161 pixels per side), got \(size).") }
        guard lpipsSize >= 32 else { throw ValidationError("--lpips-size must be at least 32, got \(lpipsSize).") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats).") }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-bench-metrics-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (refPath, testPath) = try makePair(side: size, in: directory, name: "pair")
        let reference = try readImage(at: refPath), test = try readImage(at: testPath)

        var rows: [Row] = []
        func time(_ name: String, _ peer: String?, _ metric: any Metric, _ r: Image, _ t: Image) throws {
            var value = 0.0
            _ = try metric.score(reference: r, test: t)   // warm-up
            let seconds = try median(repeats) { value = try metric.score(reference: r, test: t) }
            rows.append(Row(name: name, variant: metric.description, size: r.width, seconds: seconds, value: value, peerKey: peer))
        }
        try time("psnr", "psnr", PSNR(), reference, test)
        try time("ssim", "ssim", SSIM(), reference, test)
        try time("ssim_uniform7", "ssim_uniform7", SSIM(window: .uniform7), reference, test)
        try time("ms_ssim", "ms_ssim", MSSSIM(), reference, test)
        try time("vif", "vif", VIF(), reference, test)
        try time("vif_channels", "vif_channels", VIF(colour: .channels), reference, test)
        var lpipsNote: String?
        do {
            let lpips = try STLPIPS()
            let (lr, lt) = try makePair(side: lpipsSize, in: directory, name: "lpips")
            try time("st_lpips", nil, lpips, try readImage(at: lr), try readImage(at: lt))
        } catch let error as MetricsError {
            lpipsNote = error.localizedDescription
        }

        var peers: [String: (seconds: Double, value: Double)] = [:]
        var peerVersions = ""
        var peerNote: String?
        if !python.isEmpty {
            do {
                let (results, versions) = try runPeers(refPath, testPath)
                peers = results
                peerVersions = versions
            } catch {
                peerNote = "Python peers not run: \(error.localizedDescription)"
            }
        }

        if json {
            var fields: [String] = []
            for row in rows {
                var entry = "\"seconds\": \(row.seconds), \"value\": \(jsonNumber(row.value)), \"size\": \(row.size)"
                if let key = row.peerKey, let peer = peers[key] {
                    entry += ", \"peer_seconds\": \(peer.seconds), \"peer_value\": \(jsonNumber(peer.value)), \"speedup\": \(peer.seconds / row.seconds)"
                }
                fields.append("\"\(row.name)\": {\(entry)}")
            }
            fields.append("\"threads\": \(workerThreadCount)")
            fields.append(BLASStartup.machineJSONFields)
            print("{\(fields.joined(separator: ", "))}")
            return
        }
        print("Metrics on RGB \(size)² (astronaut resized, test = 1-pixel shift + noise σ=0.02, 8-bit); ST-LPIPS on \(lpipsSize)²")
        print("median of \(repeats) runs; worker threads: \(workerThreadCount); peers: \(peerVersions.isEmpty ? "none" : peerVersions)")
        print("metric          ours (ms)    peer (ms)   speed-up   ours value      peer value     peer")
        for row in rows {
            var line = row.name.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: " %10.2f", row.seconds * 1000)
            if let key = row.peerKey, let peer = peers[key] {
                line += String(format: "   %10.2f   %7.1f×   %-14.8g %-14.8g %@", peer.seconds * 1000, peer.seconds / row.seconds,
                               row.value, peer.value, peerName(key))
            } else {
                line += "            –          –   " + String(format: "%-14.8g", row.value)
                    + (row.name == "st_lpips" ? " (no peer: PyTorch does not import here)" : "")
            }
            print(line)
        }
        if let lpipsNote { print("st_lpips not timed: \(lpipsNote)") }
        if let peerNote { print(peerNote) }
        print("The machine may have been busy (other builds): rerun on a quiet machine for final figures.")
    }

    private struct Row {
        let name: String, variant: String, size: Int, seconds: Double, value: Double, peerKey: String?
    }

    private func peerName(_ key: String) -> String {
        switch key {
        case "psnr": return "skimage peak_signal_noise_ratio"
        case "ssim": return "skimage SSIM gaussian float32"
        case "ssim_uniform7": return "skimage SSIM default float32"
        case "ms_ssim": return "tf.image.ssim_multiscale"
        case "vif": return "sewar vifp (luma)"
        case "vif_channels": return "sewar vifp (RGB)"
        default: return key
        }
    }

    /// Writes the benchmark pair as 8-bit PNGs: the astronaut photograph resized to side², and its
    /// one-pixel horizontal shift plus seeded Gaussian noise (σ = 0.02), clipped explicitly to [0, 1].
    private func makePair(side: Int, in directory: URL, name: String) throws -> (String, String) {
        let source = URL(fileURLWithPath: "Data/builtin/astronaut.png")
        guard FileManager.default.fileExists(atPath: source.path) else {
            throw ValidationError("Data/builtin/astronaut.png is missing: run scripts/setup.sh (or make build) from the repository root first.")
        }
        let base = try readImage(at: source.path).resized(width: side + 1, height: side, method: .bilinear)
        let reference = try base.cropped(x: 0, y: 0, width: side, height: side)
        var test = try base.cropped(x: 1, y: 0, width: side, height: side)
        var rng = SeededRNG(seed: 7)
        for i in test.pixels.indices { test.pixels[i] += Float(0.02 * rng.normal()) }
        test = test.clamped(to: 0 ... 1)
        let refPath = directory.appendingPathComponent("\(name)-reference.png").path
        let testPath = directory.appendingPathComponent("\(name)-test.png").path
        try writeImage(reference, to: refPath)
        try writeImage(test, to: testPath)
        return (refPath, testPath)
    }

    /// Runs scripts/bench/python_metrics.py on the same files; returns its medians and versions.
    private func runPeers(_ refPath: String, _ testPath: String) throws -> ([String: (seconds: Double, value: Double)], String) {
        let script = "scripts/bench/python_metrics.py"
        guard FileManager.default.fileExists(atPath: script) else {
            throw ValidationError("\(script) not found; run from the repository root")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, refPath, testPath, "--repeats", "\(repeats)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let results = document["results"] as? [String: [String: Any]] else {
            throw ValidationError("\(script) failed (exit \(process.terminationStatus)); install scikit-image, sewar and tensorflow-cpu with pip")
        }
        var out: [String: (seconds: Double, value: Double)] = [:]
        for (key, entry) in results {
            if let s = entry["seconds"] as? Double, let v = entry["value"] as? Double { out[key] = (s, v) }
        }
        let versions = (document["versions"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return (out, versions)
    }

    private func jsonNumber(_ value: Double) -> String {
        value.isFinite ? "\(value)" : (value > 0 ? "\"inf\"" : "null")
    }
}
