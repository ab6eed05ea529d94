import ArgumentParser
import Foundation
import ImageCore
import PSFEstimation
import Workbench

/// `deblur compare`: every method × every metric on one split, streamed to a resumable store, then a report.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare restoration methods on a test split and write a report (HTML, Markdown, CSV, JSON).",
        discussion: """
        Cases: for sharp-only data (the built-in set, a folder of photos) every image of the split is \
        degraded once per blur family with --blur mixed (defocus, motion, shake, gaussian; PSF drawn from \
        the seed and the image's name), by valid convolution, Gaussian noise σ and 8-bit quantisation. \
        Folders written by `deblur degrade` keep their own blur and PSFs; real pairs (GoPro, blurred/ + \
        sharp/) have no true PSF, so non-blind rows say "unavailable".

        Rows stream to OUT/rows.jsonl as they finish: re-running the same command after an interruption \
        skips every finished (image, method, PSF) row. --shard I/N runs every N-th case; `deblur merge` \
        combines shard folders into one report.

        Examples:
          deblur compare --data builtin -o Reports/builtin
          deblur compare --data ~/photos --methods wiener,rl,unet --metrics psnr,ssim -o Reports/photos --jobs 2
          deblur compare --data builtin -o Reports/builtin --baseline Baselines/builtin-test.json
        """)

    @Option(help: "builtin or a dataset folder.")
    var data = "builtin"

    @Option(help: "test, train or all (80/20 split by scene).")
    var split = "test"

    @Option(help: "all or a comma-separated list of \(MethodRegistry.names.joined(separator: ", ")).")
    var methods = "all"

    @Option(help: "all or a comma-separated list of psnr, ssim, ms_ssim, vif, st_lpips.")
    var metrics = "all"

    @Option(help: "PSF for classical methods: true (from the data), estimated, or both.")
    var psf = "true"

    @Option(help: "Synthetic blur for sharp-only data: mixed (one case per family), a family, or a PSF spec.")
    var blur = "mixed"

    @Option(help: "Gaussian noise σ of synthetic cases.")
    var noise = 0.01

    @Option(help: "Seed of PSF draws and noise.")
    var seed: UInt64 = 0

    @Option(help: "Seed of the scene split.")
    var splitSeed: UInt64 = 0

    @Option(name: .shortAndLong, help: "Output folder (e.g. Reports/NAME).")
    var output: String

    @Option(help: "Images restored at the same time.")
    var jobs = 1

    @Option(help: "Only the first K cases (sorted by name).")
    var limit: Int?

    @Option(help: "Run shard I of N (cases I, I+N, …), e.g. 2/4.")
    var shard: String?

    @Option(help: "Checkpoint for a learned method, METHOD=FILE (repeatable).")
    var weights: [String] = []

    @Option(help: "Fail (exit 1) if any mean score is worse than in this baseline file by more than its tolerance.")
    var baseline: String?

    @Option(help: "Write the means of this run as a baseline file.")
    var writeBaseline: String?

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
        if !(noise >= 0) { throw ValidationError("--noise must be ≥ 0.") }
        for w in weights where !w.contains("=") { throw ValidationError("--weights takes METHOD=FILE (got '\(w)').") }
    }

    func run() throws {
        var o = ComparisonOptions()
        o.selection.data = data
        o.selection.split = split
        o.selection.splitSeed = splitSeed
        o.selection.blur = blur
        o.selection.noiseSigma = noise
        o.selection.seed = seed
        o.selection.limit = limit
        o.methods = methods
        o.metrics = metrics
        o.psf = psf
        o.jobs = jobs
        o.shard = try shard.map { try Shard($0) }
        for w in weights {
            let kv = w.split(separator: "=", maxSplits: 1).map(String.init)
            o.weights[kv[0]] = kv[1]
        }
        o.versions = Compare.versions()
        o.gitCommit = Compare.gitCommit()
        (o.estimator, o.estimatorName) = psfEstimatorHook()
        let out = URL(fileURLWithPath: output)
        let prepared = try Comparison.prepare(o, out: out)
        let runner = prepared.runner
        for name in prepared.changedMethods {
            print("note: \(name) changed since its rows in \(output) were scored (weights or settings); scoring it again")
        }
        if prepared.estimatorChanged {
            print("note: the PSF estimator changed since the estimated-PSF rows in \(output) were scored; scoring them again")
        }
        let pending = runner.pendingCount
        let total = runner.specs.count * runner.plan.count
        print("\(runner.specs.count) images × \(runner.plan.count) method rows = \(total) rows; \(total - pending) already done, \(pending) to run"
            + (o.shard.map { " (shard \($0.index)/\($0.count))" } ?? ""))
        fflush(nil)
        if pending > 0 {
            let start = Date()
            let interactive = isatty(2) == 1
            let bar = ProgressBar()
            runner.progress = { done, all in
                let line = bar.line(done, of: all, detail: String(format: "rows  %.0f s elapsed", Date().timeIntervalSince(start)))
                if interactive {
                    ProgressBar.write("\r" + line + (done == all ? "\n" : ""))
                } else if done == all || done % max(1, all / 10) == 0 {
                    ProgressBar.write(line + "\n")
                }
            }
            try runner.run()
            print(String(format: "restored and scored %d rows in %.1f s", pending, Date().timeIntervalSince(start)))
        }
        try prepared.writeReport()
        let rows = prepared.rows
        let hashes = try Comparison.dataHashes(runner.specs)
        if let writeBaseline {
            try Baseline(rows: rows, info: prepared.info, dataSHA256: hashes).write(to: URL(fileURLWithPath: writeBaseline))
            print("baseline written: \(writeBaseline)")
        }
        print("report: \(out.appendingPathComponent("report.html").path)")
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        print(md)
        if let baseline {
            let b = try Baseline.read(URL(fileURLWithPath: baseline))
            let worse = try b.regressions(rows: rows, info: prepared.info, dataSHA256: hashes)
            if !worse.isEmpty { throw WorkbenchError.baselineRegression(worse) }
            print("baseline \(baseline): no mean score worse than its tolerance")
        }
    }

    static func versions() -> [String: String] {
        var v = ["deblur": Deblur.configuration.version]
        for (k, value) in Info.report() where k != "worker threads" && k != "OpenBLAS threads" { v[k] = value }
        return v
    }

    /// The repository's commit (with `-dirty` when files changed), or "unknown" outside a git checkout.
    static func gitCommit() -> String {
        func git(_ args: [String]) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git"] + args
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
            return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let head = git(["rev-parse", "--short=12", "HEAD"]) else { return "unknown" }
        let dirty = (git(["status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty ? "" : "-dirty"
        return head + dirty
    }
}

/// The PSF estimator of `--psf estimated` (and the web app's "estimate"): blind multi-scale kernel
/// estimation with an L0 gradient prior at four contrast gains, 31×31 kernel, seed 0 — it assumes
/// no blur family, so the estimated rows are truly blind.
func psfEstimatorHook() -> (PSFEstimator?, String?) {
    ({ blurred in try estimatePSF(blurred, model: .blind, kernelSize: 31, seed: 0).psf },
     "blind kernel estimation (PSFEstimation, multi-scale L0 gradient prior, contrast gains 1–2√2, 31×31, seed 0)")
}

/// `deblur merge`: one report from the folders of a sharded comparison.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the output folders of `deblur compare --shard I/N` runs into one report.",
        discussion: """
        Example (4 shards, e.g. a Slurm array or GNU parallel):
          parallel deblur compare --data DATA --shard {}/4 -o Reports/run-{} ::: 1 2 3 4
          deblur merge Reports/run-1 Reports/run-2 Reports/run-3 Reports/run-4 -o Reports/run
        """)

    @Argument(help: "Comparison folders written by `deblur compare`.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    func run() throws {
        let (rows, info) = try Comparison.merge(inputs.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: output))
        print("merged \(rows.count) rows of \(info.caseCount) images from \(inputs.count) folders")
        print("report: \(URL(fileURLWithPath: output).appendingPathComponent("report.html").path)")
    }
}
