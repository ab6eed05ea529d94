import ArgumentParser
import Foundation
import ImageCore
import Datasets
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
          deblur compare --data builtin --methods unet,pnp --param unet:ensemble=8 -o Reports/unet-ensemble
        """)

    @OptionGroup var dataOption: DataOption

    @Option(help: "test, train or all (80/20 split by scene).")
    var split: SplitChoice = .test

    @Option(help: ArgumentHelp("all or a comma-separated list of \(MethodRegistry.names.joined(separator: ", ")).", valueName: "methods"))
    var methods = "all"

    @Option(help: "all or a comma-separated list of psnr, ssim, ms_ssim, vif, st_lpips.")
    var metrics = "all"

    @Option(help: "PSF for classical methods: true (from the data), estimated, or both.")
    var psf: PSFRows = .true

    @Option(help: "Synthetic blur for sharp-only data: mixed (one case per family), a family, or a PSF spec.")
    var blur = "mixed"

    @OptionGroup var degradation: DegradationSeedOptions

    @Option(help: "Seed of the scene split.")
    var splitSeed: UInt64 = 0

    @OptionGroup var out: OutputFolderOption

    @Option(help: "Images restored at the same time.")
    var jobs = 1

    @Option(help: "Only these scenes of the split, comma-separated (e.g. astronaut,hubble_deep_field: the test scenes of earlier rounds).")
    var scenes: String?

    @Option(help: "Only the first K cases (sorted by name).")
    var limit: Int?

    @Option(help: "Run shard I of N (cases I, I+N, …), e.g. 2/4.")
    var shard: String?

    @Option(help: "Checkpoint for a learned method, METHOD=FILE (repeatable).")
    var weights: [String] = []

    @Option(name: .customLong("param"),
            help: ArgumentHelp("A method's parameter, METHOD:NAME=VALUE (repeatable), e.g. unet:ensemble=8 or pnp:kernel-error=0.03 "
                + "(`deblur restore --help` lists every method's parameters). Rows scored with other settings are re-run.",
                valueName: "method:name=value"))
    var params: [String] = []

    @Option(help: "Fail (exit 1) if any mean score is worse than in this baseline file by more than its tolerance.")
    var baseline: String?

    @Option(help: "Write the means of this run as a baseline file.")
    var writeBaseline: String?

    @Option(help: "Also write the run's degraded cases to this folder in `deblur degrade`'s layout (for peers such as scripts/bench/bm3d_peer.py).")
    var saveCases: String?

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
        _ = try methodSettings()
        if let shard { do { _ = try Shard(shard) } catch { throw ValidationError("--shard must be I/N with 1 ≤ I ≤ N, e.g. 2/4 (got '\(shard)').") } }
    }

    /// `--weights METHOD=FILE` (the learned methods' `weights` parameter) and `--param METHOD:NAME=VALUE`,
    /// parsed by each method's registry entry.
    func methodSettings() throws -> [String: ParameterValues] {
        var raw: [String: [String: String]] = [:]
        for w in weights {
            let kv = w.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw ValidationError("--weights takes METHOD=FILE (got '\(w)').") }
            do {
                guard try MethodRegistry.entry(kv[0]).parameter("weights") != nil else {
                    throw ValidationError("--weights: \(kv[0]) is not a learned method.")
                }
            } catch let error as ValidationError { throw error } catch { throw commandLineError(error) }
            raw[kv[0], default: [:]]["weights"] = kv[1]
        }
        for p in params {
            let methodAndRest = p.split(separator: ":", maxSplits: 1).map(String.init)
            let kv = methodAndRest.count == 2 ? methodAndRest[1].split(separator: "=", maxSplits: 1).map(String.init) : []
            guard kv.count == 2, !methodAndRest[0].isEmpty, !kv[0].isEmpty else {
                throw ValidationError("--param takes METHOD:NAME=VALUE, e.g. unet:ensemble=8 (got '\(p)').")
            }
            raw[methodAndRest[0], default: [:]][kv[0]] = kv[1]
        }
        var out: [String: ParameterValues] = [:]
        for (method, settings) in raw {
            do { out[method] = try MethodRegistry.entry(method).parse(settings) } catch { throw commandLineError(error) }
        }
        return out
    }

    func run() throws {
        var o = ComparisonOptions()
        o.selection.data = dataOption.data
        o.selection.split = split
        o.selection.splitSeed = splitSeed
        o.selection.blur = blur
        o.selection.noiseSigma = degradation.noise
        o.selection.seed = degradation.seed
        o.selection.limit = limit
        o.selection.scenes = scenes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        o.methods = try MethodSelection(parsing: methods)
        o.settings = try methodSettings()
        o.metrics = MetricSelection(parsing: metrics)
        o.psf = psf
        o.jobs = jobs
        o.shard = try shard.map { try Shard($0) }
        o.versions = Compare.versions()
        o.gitCommit = Compare.gitCommit()
        let output = self.out.output, out = self.out.url
        let prepared: PreparedComparison
        do { prepared = try Comparison.prepare(o, out: out) } catch { throw commandLineError(error) }
        let runner = prepared.runner
        if let saveCases {
            let dataset = try BuiltinData.resolve(o.selection.data)
            do {
                try CaseListing.writeCaseFolder(runner.specs, dataset: dataset, to: URL(fileURLWithPath: saveCases),
                                                tool: "deblur \(Deblur.configuration.version) compare")
            } catch { throw commandLineError(error) }
            print("cases written: \(saveCases) (\(runner.specs.count) cases, deblur degrade layout)")
        }
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
            let worse: [String]
            do {
                worse = try Baseline.read(URL(fileURLWithPath: baseline)).regressions(rows: rows, info: prepared.info, dataSHA256: hashes)
            } catch { throw commandLineError(error) }
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
