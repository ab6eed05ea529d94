import ArgumentParser
import Datasets
import Foundation
import ImageCore
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

    @Option(help: ArgumentHelp("How the Levin benchmark's kernels are read: auto (per file, by the residual test y ≈ x ∗ k), stored (already convolution kernels) or rotated (correlation kernels, as Levin et al.'s f).", valueName: "auto|stored|rotated"))
    var kernelOrientation = "auto"

    @Flag(help: "Run the Levin-like check instead of the sweep: 4 photographs (--images, default astronaut, stream, wine, hubble_deep_field) × 8 camera shakes of 13–27 px, 255² whole scenes, valid blur, blind estimation at the true size.")
    var levinLike = false

    @Option(help: "Report title.")
    var title = "PSF estimation study"

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit)).") }
        guard side >= 64 && side <= 2048 else { throw ValidationError("--side must be from 64 to 2048 pixels (got \(side)).") }
        guard noise >= 0 && noise <= 0.5 else { throw ValidationError("--noise must be in [0, 0.5] (got \(noise)).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads)).") }
        guard KernelOrientation(rawValue: kernelOrientation) != nil else {
            throw ValidationError("--kernel-orientation must be auto, stored or rotated (got '\(kernelOrientation)').")
        }
    }

    func run() throws {
        var request = PSFStudyRequest()
        request.data = data
        request.options.quick = quick
        request.options.limit = limit
        request.options.side = side
        request.options.noiseSigma = noise
        request.options.seed = seed
        request.threads = threads ?? workerThreadCount
        request.families = families.map(Self.names)
        request.images = images.map(Self.names)
        request.kernelOrientation = KernelOrientation(rawValue: kernelOrientation) ?? .auto
        request.levinLike = levinLike
        let study: PSFStudyRun
        do {
            study = try runPSFStudy(request) { done, total in
                guard done % 10 == 0 || done == total else { return }
                FileHandle.standardError.write(Data("\r\(done)/\(total) cases".utf8))
                if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
            }
        } catch let error as PSFEstimationError {
            throw flagError(error)
        }
        let provenance = PSFStudyProvenance(title: title, data: study.dataName, command: command, side: levinLike ? levinLikeSide : side, seed: seed,
                                            totalSeconds: study.seconds, threads: request.threads, notes: study.notes)
        for note in study.notes { print(note) }
        try writePSFStudyReport(rows: study.rows, provenance: provenance, to: URL(fileURLWithPath: output), outcomes: study.outcomes)
        for s in summarize(study.rows) {
            let label = (s.group + " " + s.family).padding(toLength: 16, withPad: " ", startingAt: 0)
            var line = label + String(format: "%4d cases  target met %5.1f%%  ", s.cases, s.successRate * 100) + "(\(s.target))"
            if s.medianErrorRatio != nil {
                let rate = { (t: Double) in 100 * (s.errorRatioRate(atMost: t) ?? 0) }
                line += String(format: "  error ratio ≤ 1.5: %5.1f%%  ≤ 2: %5.1f%%  ≤ 3: %5.1f%%  median %.2f", rate(1.5), rate(2), rate(3), s.medianErrorRatio ?? 0)
            }
            print(line)
        }
        print(String(format: "%d cases in %.1f s; wrote %@/index.html, rows.csv, rows.json, summary.json", study.rows.count, study.seconds, output))
    }

    /// A comma-separated list as a set of trimmed names.
    static func names(_ list: String) -> Set<String> {
        Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// The command line as the report records it (options at their defaults left out).
    var command: String {
        var command = "deblur psf-study --data \(data)"
        if quick { command += " --quick" }
        if let limit { command += " --limit \(limit)" }
        if side != 384 { command += " --side \(side)" }
        if noise != 0.01 { command += " --noise \(noise)" }
        if seed != 0 { command += " --seed \(seed)" }
        if let families { command += " --families \(families)" }
        if let images { command += " --images \(images)" }
        if kernelOrientation != "auto" { command += " --kernel-orientation \(kernelOrientation)" }
        if levinLike { command += " --levin-like" }
        return command + " -o \(output)"
    }

    /// A selection the study cannot run, said in terms of this command's options.
    func flagError(_ error: PSFEstimationError) -> Error {
        switch error {
        case let .noLargeEnoughImage(_, minimumSide):
            return ValidationError("No image in '\(data)' is at least \(minimumSide) pixels on each side; use a smaller --side.")
        case let .unknownImages(unknown, _, available):
            return ValidationError("--images: no image named \(unknown.joined(separator: ", ")) in '\(data)'; it has \(available.joined(separator: ", ")).")
        default:
            return error
        }
    }
}
