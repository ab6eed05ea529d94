import ArgumentParser
import Blur
import Datasets
import Foundation
import ImageCore
import ImageIO
import PSFEstimation

/// `deblur psf-study [--data builtin|PATH] -o Reports/NAME`: how well PSF estimation works.
struct PSFStudy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psf-study",
        abstract: "Measure PSF estimation on synthetic blurs (or the Levin et al. 2009 benchmark) and write a report.",
        discussion: """
        With --data builtin (default) or a folder of sharp photographs: sweeps synthetic blurs — \
        motion length 5–35 px × angle 0–180°, disk radius 2–12 px, Gaussian σ 1–4 px, random camera \
        shakes — at noise σ = --noise (0.01), plus a noise sweep (σ 0, 0.005, 0.01, 0.02), each on a \
        seeded random crop blurred by valid convolution with 8-bit quantisation. Motion, defocus and \
        Gaussian cases use their parametric estimator, shakes the blind one.
        With --data PATH holding the Levin et al. 2009 benchmark (*.mat files with x, y, f; or \
        gt/imN.png, gt/kernelK.png, imN_kernelK_img.png): blind estimation on every blurred image \
        at the true kernel size.
        Scores: parameter errors, kernel NCC after the best shift and Levin et al.'s error ratio \
        (restored-with-estimated SSD / restored-with-true SSD, same Wiener–Hunt deconvolver, aligned), \
        with success-rate curves for ratio thresholds 1.5–3. Writes OUTDIR/index.html (self-contained), \
        rows.csv, rows.json and summary.json.

        Examples:
          deblur psf-study -o Reports/psf-study
          deblur psf-study --quick -o /tmp/psf-quick
          deblur psf-study --data ~/data/LevinEtalCVPR09Data -o Reports/psf-levin
        """)

    @Option(help: "builtin, a folder of sharp images, or a folder with the Levin et al. 2009 data.")
    var data = "builtin"

    @Option(name: .shortAndLong, help: "Output folder for the report.")
    var output: String

    @Flag(help: "A smaller sweep (about a third of the cases).")
    var quick = false

    @Option(help: "At most this many cases per family (and per group).")
    var limit: Int?

    @Option(help: "Side of the synthetic blurred images in pixels.")
    var side = 384

    @Option(help: "Noise σ of the main sweep.")
    var noise = 0.01

    @Option(help: "Seed of the sweep (jitter, crops, noise).")
    var seed: UInt64 = 0

    @Option(help: "Cases run in parallel on this many threads (default: all cores).")
    var threads: Int?

    @Option(help: "Only these families, comma-separated (motion, defocus, gaussian, shake).")
    var families: String?

    @Option(help: "Only the cases on these images, comma-separated (the sweep is built over all images first, so a case keeps its blur and seed).")
    var images: String?

    @Option(help: "Report title.")
    var title = "PSF estimation study"

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit)).") }
        guard side >= 64 && side <= 2048 else { throw ValidationError("--side must be from 64 to 2048 pixels (got \(side)).") }
        guard noise >= 0 && noise <= 0.5 else { throw ValidationError("--noise must be in [0, 0.5] (got \(noise)).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads)).") }
    }

    func run() throws {
        var options = PSFStudyOptions()
        options.quick = quick
        options.limit = limit
        options.side = side
        options.noiseSigma = noise
        options.seed = seed
        let threadCount = threads ?? workerThreadCount
        let start = Date()
        var rows: [PSFStudyRow]
        var dataName = data
        var levin: [BlindBenchmarkSample]? = nil
        if data != "builtin" && looksLikeLevin(data) {
            // Errors in a benchmark folder (a corrupt .mat, a missing kernel) are reported, not skipped.
            let samples = try loadLevinDataset(at: data)
            levin = limit.map { Array(samples.prefix($0)) } ?? samples
        }
        if let levin {
            dataName = "Levin et al. 2009 benchmark at \(data) (\(levin.count) blurred images)"
            let fixed = options
            rows = run(count: levin.count, threads: threadCount) { runBenchmarkCase(levin[$0], options: fixed) }
        } else {
            let dataset = try BuiltinData.resolve(data)
            var images: [String: Image] = [:]
            for sample in dataset.samples {
                let image = try readImage(at: sample.sharpPath, maxPixels: 40_000_000).luma()
                if image.width >= side + 40 && image.height >= side + 40 { images[sample.id] = image }
            }
            guard !images.isEmpty else {
                throw ValidationError("No image in '\(data)' is at least \(side + 40) pixels on each side; use a smaller --side.")
            }
            let names = images.keys.sorted()
            dataName = data == "builtin" ? "built-in photographs (\(names.joined(separator: ", ")))" : "\(data) (\(names.count) images)"
            var cases = try syntheticStudyCases(imageNames: names, options: options)
            if let families {
                let keep = Set(families.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                cases = cases.filter { keep.contains($0.family) }
            }
            if let only = self.images {
                let keep = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                guard keep.isSubset(of: Set(names)) else {
                    throw ValidationError("--images: no image named \(keep.subtracting(names).sorted().joined(separator: ", ")) in '\(data)'; it has \(names.joined(separator: ", ")).")
                }
                cases = cases.filter { keep.contains($0.image) }
            }
            let fixed = options, sources = images, selected = cases
            rows = run(count: selected.count, threads: threadCount) { runSyntheticCase(selected[$0], source: sources[selected[$0].image]!, options: fixed) }
        }
        let seconds = Date().timeIntervalSince(start)
        var command = "deblur psf-study --data \(data)"
        if quick { command += " --quick" }
        if let limit { command += " --limit \(limit)" }
        if side != 384 { command += " --side \(side)" }
        if noise != 0.01 { command += " --noise \(noise)" }
        if seed != 0 { command += " --seed \(seed)" }
        if let families { command += " --families \(families)" }
        if let only = self.images { command += " --images \(only)" }
        command += " -o \(output)"
        let provenance = PSFStudyProvenance(title: title, data: dataName, command: command, side: side, seed: seed,
                                            totalSeconds: seconds, threads: threadCount)
        try writePSFStudyReport(rows: rows, provenance: provenance, to: URL(fileURLWithPath: output))
        for s in summarize(rows) {
            let ratio = s.errorRatioCurve.last ?? 0
            let label = (s.group + " " + s.family).padding(toLength: 16, withPad: " ", startingAt: 0)
            print(label + String(format: "%4d cases  target met %5.1f%%  ", s.cases, s.successRate * 100)
                  + "(\(s.target))" + String(format: "  error ratio ≤ 3: %5.1f%%", ratio * 100))
        }
        print(String(format: "%d cases in %.1f s; wrote %@/index.html, rows.csv, rows.json, summary.json", rows.count, seconds, output))
    }

    /// A folder with `*.mat` files or a `gt/` subfolder is read as the Levin et al. benchmark.
    func looksLikeLevin(_ path: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.contains { $0.lowercased().hasSuffix(".mat") } || names.contains("gt")
    }

    /// Runs `body` for 0..<count on `threads` threads, printing progress to stderr.
    func run(count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> PSFStudyRow) -> [PSFStudyRow] {
        let results = UnsafeMutableBufferPointer<PSFStudyRow?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let slots = UncheckedSendable(results)   // each index is written by exactly one iteration
        let done = ProgressCounter(total: count)
        parallelFor(count, threads: threads) { i in
            slots.value[i] = body(i)
            done.tick()
        }
        return results.map { $0! }
    }
}

/// Thread-safe progress line on stderr.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var finished = 0
    let total: Int
    init(total: Int) { self.total = total }
    func tick() {
        lock.lock()
        finished += 1
        let n = finished
        lock.unlock()
        if n % 10 == 0 || n == total { FileHandle.standardError.write(Data("\r\(n)/\(total) cases".utf8)); if n == total { FileHandle.standardError.write(Data("\n".utf8)) } }
    }
}
