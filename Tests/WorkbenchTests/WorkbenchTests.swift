import Blur
import Foundation
import ImageCore
import ImageIO
import Metrics
import Models
import Testing
@testable import Workbench

/// A folder of two small sharp photos-to-be (seeded smooth textures), 200×190 so MS-SSIM's five
/// scales fit after valid-convolution blur with a small Gaussian.
func tinyDataset() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-wb-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for (n, name) in ["alpha", "beta"].enumerated() {
        var rng = SeededRNG(seed: UInt64(40 + n))
        var img = Image(channels: 3, height: 190, width: 200)
        for c in 0 ..< 3 {
            for y in 0 ..< 190 {
                for x in 0 ..< 200 {
                    let v = 0.5 + 0.3 * sin(Double(x) * 0.21 + Double(c)) * cos(Double(y) * 0.13) + 0.04 * rng.normal()
                    img.pixels[(c * 190 + y) * 200 + x] = Float(min(max(v, 0), 1))
                }
            }
        }
        try writeImage(img, to: dir.appendingPathComponent("\(name).png").path)
    }
    return dir
}

func temporaryOutput() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("deblur-wb-out-\(UUID().uuidString)")
}

func options(_ data: URL, metrics: String = "all") -> ComparisonOptions {
    var o = ComparisonOptions()
    o.selection.data = data.path
    o.selection.split = .all
    o.selection.blur = "gaussian"
    o.methods = .named(["wiener", "rl"])
    o.metrics = MetricSelection(parsing: metrics)
    o.jobs = 2
    return o
}

func lines(_ url: URL) throws -> [String] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
}

@Suite(.serialized) struct ComparisonTests {
    @Test func endToEndTwoImagesTwoMethodsAllMetrics() throws {
        let data = try tinyDataset(), out = temporaryOutput()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: out) }
        let prepared = try Comparison.prepare(options(data), out: out)
        #expect(prepared.runner.specs.count == 2)
        #expect(prepared.runner.plan.map(\.method.name) == ["blurred", "wiener", "rl"])
        try prepared.runner.run()
        try prepared.writeReport()
        // 2 images × (blurred, wiener, rl) = 6 rows everywhere.
        #expect(try lines(out.appendingPathComponent("rows.jsonl")).count == 6)
        let csv = try lines(out.appendingPathComponent("results.csv"))
        #expect(csv.count == 7)
        #expect(csv[0].hasPrefix("image,scene,blur,psf,method,family,psf_mode,status,seconds,clipped_fraction,psnr,ssim,ms_ssim,vif,st_lpips"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as! [String: Any]
        let rows = json["rows"] as! [[String: Any]]
        #expect(rows.count == 6)
        for row in rows {
            #expect(row["status"] as? String == "ok")
            let m = row["metrics"] as! [String: Any]
            #expect(Set(m.keys) == ["psnr", "ssim", "ms_ssim", "vif", "st_lpips"])
        }
        // Restoration beats the blurred input on PSNR for this mild, known blur.
        let s = Summary(rows: prepared.rows, methodOrder: MethodRegistry.names, metricIDs: MetricRegistry.identifiers)
        #expect(s.stat(label: "rl", metric: "psnr").mean > s.stat(label: "blurred", metric: "psnr").mean)

        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        // One summary row per method in the overall table (the first <table>), every metric's variant.
        let firstTable = html.components(separatedBy: "<h3>All blur kinds</h3>")[1].components(separatedBy: "</table>")[0]
        #expect(firstTable.components(separatedBy: "<tr").count - 2 == 3)
        for label in ["blurred", "wiener", "rl"] { #expect(firstTable.contains("<td>\(label)</td>")) }
        for id in MetricRegistry.identifiers {
            let variant = try MetricRegistry.metric(id).description
            #expect(html.contains(SVGEscape(variant)), "variant of \(id) missing")
        }
        #expect(html.contains("data:image/jpeg;base64,"))
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(md.contains("| rl |"))
    }

    @Test func anInterruptedRunResumesWithoutRecomputing() throws {
        let data = try tinyDataset(), out = temporaryOutput()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: out) }
        let full = try Comparison.prepare(options(data, metrics: "psnr,ssim"), out: out)
        try full.runner.run()
        let complete = full.rows.sorted { $0.key < $1.key }
        // Simulate an interruption: keep 2 rows and a torn half line.
        let store = out.appendingPathComponent("rows.jsonl")
        let kept = try lines(store).prefix(2)
        try Data((kept.joined(separator: "\n") + "\n{\"image\":\"al").utf8).write(to: store)
        let again = try Comparison.prepare(options(data, metrics: "psnr,ssim"), out: out)
        #expect(again.runner.pendingCount == 4)
        let counter = RunCounter()
        again.runner.progress = { _, _ in counter.add() }
        try again.runner.run()
        #expect(counter.value == 4)
        let resumed = again.rows.sorted { $0.key < $1.key }
        #expect(resumed.map(\.key) == complete.map(\.key))
        for (a, b) in zip(resumed, complete) { #expect(a.metrics == b.metrics, "\(a.key)") }
        // A third run has nothing to do.
        #expect(try Comparison.prepare(options(data, metrics: "psnr,ssim"), out: out).runner.pendingCount == 0)
    }

    @Test("a method that changed since its rows were scored (a retrained checkpoint under the same name) is scored again; others are reused")
    func changedWeightsAreScoredAgain() throws {
        let data = try tinyDataset(), out = temporaryOutput()
        let weights = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-wb-\(UUID().uuidString).safetensors")
        defer { for u in [data, out, weights] { try? FileManager.default.removeItem(at: u) } }
        func checkpoint(seed: UInt64) throws {
            try ModelRegistry.make("unet", configuration: ["levels": "2", "width": "4"], seed: seed).saveCheckpoint(to: weights, dtype: .f32)
        }
        var o = options(data, metrics: "psnr")
        o.methods = .named(["wiener", "unet"])
        o.settings = ["unet": ParameterValues(["weights": .file(weights.path)])]
        try checkpoint(seed: 1)
        let first = try Comparison.prepare(o, out: out)
        #expect(first.changedMethods.isEmpty)
        try first.runner.run()
        let before = first.rows.filter { $0.method == "unet" }.map { $0.metrics["psnr"]! }.sorted()
        #expect(try Comparison.prepare(o, out: out).runner.pendingCount == 0)

        try checkpoint(seed: 2)   // same file name, other weights
        let again = try Comparison.prepare(o, out: out)
        #expect(again.changedMethods == ["unet"])
        #expect(again.runner.pendingCount == 2)   // the two unet rows; blurred and wiener are kept
        try again.runner.run()
        let after = again.rows.filter { $0.method == "unet" }.map { $0.metrics["psnr"]! }.sorted()
        #expect(after.count == 2 && after != before)
    }

    @Test("rows scored with another PSF estimator are scored again; the true-PSF rows are reused")
    func changedEstimatorIsScoredAgain() throws {
        let data = try tinyDataset(), out = temporaryOutput()
        defer { for u in [data, out] { try? FileManager.default.removeItem(at: u) } }
        var o = options(data, metrics: "psnr")
        o.methods = .named(["wiener"])
        o.psf = .both
        o.estimator = PSFEstimatorEntry(name: "g1", description: "gaussian:1") { _ in try PSF.gaussian(sigma: 1) }
        let first = try Comparison.prepare(o, out: out)
        #expect(!first.estimatorChanged)
        try first.runner.run()
        let before = first.rows.filter { $0.psfMode == .estimated && $0.method == "wiener" }.map { $0.metrics["psnr"]! }.sorted()
        #expect(try Comparison.prepare(o, out: out).runner.pendingCount == 0)

        o.estimator = PSFEstimatorEntry(name: "g2.5", description: "gaussian:2.5") { _ in try PSF.gaussian(sigma: 2.5) }
        let again = try Comparison.prepare(o, out: out)
        #expect(again.estimatorChanged)
        #expect(again.changedMethods.isEmpty)
        #expect(again.runner.pendingCount == before.count)   // only the estimated-PSF wiener rows
        try again.runner.run()
        let after = again.rows.filter { $0.psfMode == .estimated && $0.method == "wiener" }.map { $0.metrics["psnr"]! }.sorted()
        #expect(after.count == before.count && after != before)
    }

    @Test func mergingTwoShardsEqualsTheUnshardedRun() throws {
        let data = try tinyDataset(), whole = temporaryOutput(), a = temporaryOutput(), b = temporaryOutput(), merged = temporaryOutput()
        defer { for u in [data, whole, a, b, merged] { try? FileManager.default.removeItem(at: u) } }
        let single = try Comparison.prepare(options(data, metrics: "psnr,ssim"), out: whole)
        try single.runner.run()
        try single.writeReport()
        for (i, dir) in [(1, a), (2, b)] {
            var o = options(data, metrics: "psnr,ssim")
            o.shard = try Shard("\(i)/2")
            let p = try Comparison.prepare(o, out: dir)
            #expect(p.runner.specs.count == 1)
            try p.runner.run()
            try p.writeReport()
        }
        let (rows, _) = try Comparison.merge([a, b], into: merged)
        func strip(_ r: [ResultRow]) -> [ResultRow] {
            r.map { var x = $0; x.seconds = nil; return x }.sorted { $0.key < $1.key }
        }
        #expect(strip(rows) == strip(single.rows))
        // The report tables agree (apart from run times).
        func scores(_ dir: URL) throws -> [String] {
            try lines(dir.appendingPathComponent("results.csv")).map { line in
                var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                f[8] = ""
                return f.joined(separator: ",")
            }
        }
        #expect(try scores(merged) == scores(whole))
        let mdWhole = try String(contentsOf: whole.appendingPathComponent("report.md"), encoding: .utf8)
        let mdMerged = try String(contentsOf: merged.appendingPathComponent("report.md"), encoding: .utf8)
        func withoutTime(_ md: String) -> String {
            md.split(separator: "\n").map { line in line.split(separator: "|").dropLast().joined(separator: "|") }.joined(separator: "\n")
        }
        #expect(withoutTime(mdWhole) == withoutTime(mdMerged))
        #expect(FileManager.default.fileExists(atPath: merged.appendingPathComponent("assets/alpha/rl.thumb.jpg").path))
        #expect(FileManager.default.fileExists(atPath: merged.appendingPathComponent("assets/beta/rl.thumb.jpg").path))
    }

    @Test func badRequestsFailBeforeAnyWork() throws {
        let data = try tinyDataset(), out = temporaryOutput()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: out) }
        var o = options(data)
        o.selection.data = "/nonexistent/photos"
        #expect(throws: (any Error).self) { try Comparison.prepare(o, out: out) }
        do { _ = try Comparison.prepare(o, out: out) } catch { #expect(error.localizedDescription.contains("/nonexistent/photos")) }

        let empty = temporaryOutput()
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        o = options(empty)
        #expect(throws: (any Error).self) { try Comparison.prepare(o, out: out) }

        o = options(data)
        o.methods = .named(["wiener", "magic"])
        #expect(throws: RestorationError.unknownMethod("magic", known: MethodRegistry.names)) { try Comparison.prepare(o, out: out) }
        o = options(data)
        o.metrics = MetricSelection(parsing: "psnr,fid")
        #expect(throws: WorkbenchError.unknownMetric("fid", known: MetricRegistry.identifiers)) { try Comparison.prepare(o, out: out) }
        #expect(PSFRows(rawValue: "guess") == nil)   // a bad --psf cannot reach the library: the type has no such value
        #expect(throws: WorkbenchError.badShard("3/2")) { try Shard("3/2") }
        // Nothing was written for any of them.
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("rows.jsonl").path))
    }

    @Test func estimatedRowsAreReportedAsUnavailableWithoutAnEstimator() throws {
        let data = try tinyDataset(), out = temporaryOutput()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: out) }
        var o = options(data, metrics: "psnr")
        o.psf = .both
        o.methods = .named(["wiener"])
        o.estimator = nil
        let p = try Comparison.prepare(o, out: out)
        try p.runner.run()
        let est = p.rows.filter { $0.psfMode == .estimated }
        #expect(est.count == 2 && est.allSatisfy { $0.status == .unavailable && $0.label == "wiener (est. PSF)" })
        try p.writeReport()
        #expect(try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8).contains("wiener (est. PSF): unavailable"))
    }

    @Test func baselineFlagsAWorseMeanByMethodAndMetric() throws {
        let data = try tinyDataset(), out = temporaryOutput()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: out) }
        let p = try Comparison.prepare(options(data, metrics: "psnr,ssim"), out: out)
        try p.runner.run()
        let hashes = try Comparison.dataHashes(p.runner.specs)
        var b = Baseline(rows: p.rows, info: p.info, dataSHA256: hashes)
        #expect(try b.regressions(rows: p.rows, info: p.info, dataSHA256: hashes).isEmpty)
        b.means["rl"]!["psnr"]! += 1
        let worse = try b.regressions(rows: p.rows, info: p.info, dataSHA256: hashes)
        #expect(worse.count == 1 && worse[0].hasPrefix("rl psnr:"))
        var other = hashes
        other[other.keys.first!] = "0000"
        #expect(throws: WorkbenchError.self) { try b.regressions(rows: p.rows, info: p.info, dataSHA256: other) }
    }
}

@Suite struct StatisticsTests {
    @Test func meanAndConfidenceIntervalMatchStudentT() {
        // SciPy: scipy.stats.t.ppf(0.975, 4) = 2.7764451; values 1…5: mean 3, sd 1.5811, half-width 1.9632.
        let m = MeanCI([1, 2, 3, 4, 5])
        #expect(m.mean == 3)
        #expect(abs(m.halfWidth! - 2.776445 * 1.5811388 / 5.0.squareRoot()) < 2e-3)
        #expect(MeanCI([7]).halfWidth == nil)
        #expect(MeanCI([]).count == 0)
        #expect(abs(MeanCI.t975(60) - 2.000298) < 3e-3)
    }

    @Test func winRateCountsTiesAsHalf() {
        func row(_ image: String, _ method: String, _ psnr: Double) -> ResultRow {
            ResultRow(image: image, scene: image, blur: "gaussian", psf: nil, method: method, family: .classical, psfMode: .true,
                      status: .ok, note: nil, seconds: 1, clipped: 0, metrics: ["psnr": psnr], estimatedPSF: nil)
        }
        let s = Summary(rows: [row("a", "x", 30), row("a", "y", 29), row("b", "x", 20), row("b", "y", 20), row("c", "x", 1), row("c", "y", 2)],
                        methodOrder: ["x", "y"], metricIDs: ["psnr"])
        #expect(s.winRate("x", "y", metric: "psnr", higherIsBetter: true) == 0.5)
        #expect(s.winRate("y", "x", metric: "psnr", higherIsBetter: false) == 0.5)
        #expect(s.best(metric: "psnr", higherIsBetter: true) == "x")
    }
}

final class RunCounter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value = 0
    func add() { lock.lock(); value += 1; lock.unlock() }
}

func SVGEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
}
