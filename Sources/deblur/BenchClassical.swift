import ArgumentParser
import Blur
import Datasets
import Deconvolution
import Foundation
import ImageCore
import ImageIO
import Spectral

/// `deblur bench classical`: Wiener and Richardson–Lucy speed on 1024² gray and RGB images.
/// `scripts/bench/skimage_classical.py` runs this, times scikit-image on the same inputs in the
/// same run and prints the ratios.
struct BenchClassical: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classical",
        abstract: "Time Wiener (Laplacian regulariser, as scikit-image) and Richardson–Lucy (30 iterations) on 1024² gray and RGB images with a disk:15 PSF; --methods adds the spectral-prior Wiener, hyper-Laplacian and TV-ADMM.")

    @Option(help: "Repetitions per measurement (median reported).")
    var repeats = 3

    @Option(help: "Write the benchmark inputs (16-bit PNGs: gray.png, rgb.png, psf.png) to this folder, for the Python peer.")
    var writeInputs: String?

    @Option(help: "Border handling to time (default reflect, the tool's default; none is the circular model scikit-image uses).")
    var border: BorderHandling = .reflect

    @Option(help: "Which methods to time: wiener, wiener-spectral, rl, hyper-laplacian, tv-admm (comma-separated).")
    var methods = "wiener,rl"

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        // Steady-state speed: FFTW plans are measured once per size (before timing) unless the
        // caller chose otherwise; a one-shot `deblur restore` uses instant estimated plans.
        setenv("DEBLUR_FFTW_PLANNER", ProcessInfo.processInfo.environment["DEBLUR_FFTW_PLANNER"] ?? "measure", 1)
        let psf = try PSF.parse("disk:15")
        let source = try readImage(at: try BuiltinData.folder().appendingPathComponent("astronaut.png").path)
        let rgb = try degrade(try source.resized(width: 1054, height: 1054, method: .bilinear).clamped(to: 0 ... 1),
                              psf: psf, options: DegradationOptions(noiseSigma: 0.01), seed: 1).blurred
        let gray = try rgb.luma()
        if let dir = writeInputs {
            try writeImage(gray, to: "\(dir)/gray.png", bitDepth: 16)
            try writeImage(rgb, to: "\(dir)/rgb.png", bitDepth: 16)
            try writeImage(psf.peakNormalized, to: "\(dir)/psf.png", bitDepth: 16)
        }
        let chosen = Set(methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        guard !chosen.isEmpty, chosen.isSubset(of: ["wiener", "wiener-spectral", "rl", "hyper-laplacian", "tv-admm"]) else {
            throw ValidationError("--methods takes wiener, wiener-spectral, rl, hyper-laplacian, tv-admm, comma-separated; got '\(methods)'")
        }
        var results: [(String, Double)] = []
        for (name, image) in [("gray", gray), ("rgb", rgb)] {
            if chosen.contains("wiener") {
                _ = try wiener(image, psf: psf, noiseToSignal: 0.02, regularizer: .laplacian, border: border)   // warm-up (plans)
                results.append(("wiener_\(name)", try median(repeats) { _ = try wiener(image, psf: psf, noiseToSignal: 0.02, regularizer: .laplacian, border: border) }))
            }
            if chosen.contains("wiener-spectral") {
                // Against the scalar filter as `deblur restore --method wiener` runs it: both estimate the noise.
                results.append(("wienerest_\(name)", try median(repeats) { _ = try wiener(image, psf: psf, border: border) }))
                _ = try wienerSpectral(image, psf: psf, border: border)   // warm-up (plans)
                results.append(("wienerspec_\(name)", try median(repeats) { _ = try wienerSpectral(image, psf: psf, border: border) }))
            }
            if chosen.contains("rl") {
                results.append(("rl30_\(name)", try median(repeats) { _ = try richardsonLucy(image, psf: psf, iterations: 30, border: border) }))
            }
            // The HQS/ADMM solvers have their own borders (boundary adjustment), whatever --border says.
            if chosen.contains("hyper-laplacian") {
                results.append(("hyperlap_\(name)", try median(repeats) { _ = try hyperLaplacian(image, psf: psf) }))
            }
            if chosen.contains("tv-admm") {
                results.append(("tvadmm_\(name)", try median(repeats) { _ = try tvADMM(image, psf: psf) }))
            }
        }
        if json {
            let body = results.map { "\"\($0.0)_ms\": \(String(format: "%.2f", $0.1 * 1000))" }.joined(separator: ", ")
            print("{\(body), \"border\": \"\(border.rawValue)\", \"size\": \(gray.width), \"threads\": \(workerThreadCount), \"planner\": \"\(fftwPlannerName)\", \(BLASStartup.machineJSONFields)}")
            return
        }
        print("Classical deconvolution, \(gray.width)² images, disk:15 PSF (31×31), border \(border.rawValue), median of \(repeats)")
        for (name, seconds) in results {
            print(name.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: "%9.1f ms", seconds * 1000))
        }
    }
}
