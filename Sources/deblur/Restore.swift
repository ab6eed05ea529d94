import ArgumentParser
import Blur
import Foundation
import ImageCore
import ImageIO
import Models
import Restoration

/// `deblur restore`: restore one image with any registered method.
struct Restore: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: "Restore a blurred image with a known PSF (classical methods, plug-and-play with a learned prior), or with a trained blind network.",
            discussion: """
            Methods (model y = h ∗ x + n) and their parameters (NAME=RANGE  help (default)):
            \(methodsHelp())

            Parameters are set with their own flags where one exists (--nsr, --lambda, --iterations, \
            --damping, --tv-weight, --step, --stop-tolerance, --border, --weights, --tile, --prior, --noise) or with \
            --param NAME=VALUE. A parameter the chosen method does not have is an error.
            Borders: reflect (default: mirror-pad, deconvolve, crop), taper (MATLAB edgetaper), \
            none (treat the image as periodic — watch the borders ring), zero.
            Output values outside [0, 1] are clipped and counted (--range clip, the default), or \
            the command fails (--range error).

            Examples:
              deblur restore blurred.png --psf motion:15,30 --method wiener -o restored.png
              deblur restore photo.jpg --psf disk:4 --method rl-accel --iterations 20 -o out.png
              deblur restore photo.jpg --method unet -o out.png
              deblur restore blurred.png --psf motion:15,30 --method pnp --prior ffdnet -o out.png
              deblur restore shaken.png --psf estimate --method pnp -o out.png
            """)
    }

    @Argument(help: "The blurred image (PNG or JPEG).")
    var input: String

    @Option(name: .shortAndLong, help: "Output image (.png or .jpg).")
    var output: String

    @Option(help: ArgumentHelp("Restoration method: \(MethodRegistry.names.filter { $0 != "blurred" }.joined(separator: ", ")).", valueName: "method"))
    var method = "wiener"

    @Option(help: "PSF spec (gaussian:SIGMA, disk:RADIUS, motion:LENGTH,ANGLE, shake:SEED), a kernel image, or 'estimate' (blind estimation from the input, as the comparison's estimated-PSF rows; pnp then allows for kernel error).")
    var psf: String?

    @Option(help: "Checkpoint for a learned method (default: Baselines/models/METHOD.safetensors).")
    var weights: String?

    @Option(help: "Tile size for learned methods (images larger than this are restored in overlapping tiles).")
    var tile: Int?

    @Option(help: "Noise-to-signal ratio for wiener (default: estimated from the image).")
    var nsr: Double?

    @Option(help: "Regularisation weight λ for tikhonov (default: generalised cross-validation).")
    var lambda: Double?

    @Option(help: "Iterations for the iterative methods (default: rl round(0.18/σ̂) within 5…50; rl-accel 10; landweber 100; others 30).")
    var iterations: Int?

    @Option(help: "Border handling: reflect, taper, none or zero.")
    var border: String?

    @Option(help: "rl-damped threshold DAMPAR in intensity units (default 3 × estimated noise σ).")
    var damping: Double?

    @Option(help: "rl-tv regularisation weight λ (default 0.002).")
    var tvWeight: Double?

    @Option(help: "landweber step size τ, in (0, 2) (default 1).")
    var step: Double?

    @Option(help: "pnp: the denoiser used as the prior, \(DenoisingPrior.allCases.map(\.rawValue).joined(separator: " or ")) (default ffdnet).")
    var prior: String?

    @Option(help: "pnp: noise σ of the blurred image on the [0, 1] scale (default: estimated from the image).")
    var noise: Double?

    @Option(help: "Stop the RL methods early once the relative change of the estimate falls below this (e.g. 1e-4).")
    var stopTolerance: Double?

    @OptionGroup var parameters: MethodParameterOptions

    @OptionGroup var pixelLimit: PixelLimitOption

    @Option(help: "Output range policy: clip (clip to [0,1] and report how many values) or error.")
    var range: RangePolicy = .clip

    /// The dedicated flags, by parameter name; only those given.
    private var flagSettings: [String: String] {
        var s: [String: String] = [:]
        s["weights"] = weights
        s["tile"] = tile.map(String.init)
        s["nsr"] = nsr.map { "\($0)" }
        s["lambda"] = lambda.map { "\($0)" }
        s["iterations"] = iterations.map(String.init)
        s["border"] = border
        s["damping"] = damping.map { "\($0)" }
        s["tv-weight"] = tvWeight.map { "\($0)" }
        s["step"] = step.map { "\($0)" }
        s["stop-tolerance"] = stopTolerance.map { "\($0)" }
        s["prior"] = prior
        s["noise"] = noise.map { "\($0)" }
        return s
    }

    /// The method's entry and every setting given, checked against its parameters.
    private func configured() throws -> (MethodEntry, ParameterValues) {
        let entry: MethodEntry
        do { entry = try MethodRegistry.entry(method) } catch { throw commandLineError(error) }
        var settings = flagSettings
        for (k, v) in try parameters.pairs() {
            guard settings[k] == nil else { throw ValidationError("\(k) is given both as a flag and as --param.") }
            settings[k] = v
        }
        do { return (entry, try entry.parse(settings)) } catch { throw commandLineError(error) }
    }

    func validate() throws {
        let (entry, _) = try configured()
        guard entry.family != .input else { throw ValidationError("--method blurred only copies its input; choose a restoration method.") }
        if entry.needsPSF && psf == nil { throw ValidationError("--psf is required for the method '\(method)', which deconvolves with a known PSF (e.g. --psf motion:15,30).") }
        if !entry.needsPSF && psf != nil { throw ValidationError("--psf is not used by the blind network '\(method)'; drop it.") }
        guard ImageFormat(fileExtensionOf: output) != nil else {
            throw ValidationError("--output must end in .png, .jpg or .jpeg (got '\(output)').")
        }
    }

    func run() throws {
        let (entry, values) = try configured()
        let restoration = try entry.make(values)
        let blurred = try pixelLimit.read(input)
        let kernel: PSF?
        if psf == "estimate" {
            let estimator = MethodRegistry.defaultEstimator
            let started = Date()
            kernel = try estimator.estimate(blurred)
            print(String(format: "estimated the PSF (%@): %d×%d kernel, %.1f s", estimator.name, kernel!.width, kernel!.height,
                         Date().timeIntervalSince(started)))
        } else {
            kernel = try psf.map { try PSF.parse($0) }
        }
        let start = Date()
        let restored = try IterationReporter(method: restoration.name, output: output).run {
            try restoration.restore(blurred, psf: kernel)
        }
        let seconds = Date().timeIntervalSince(start)
        try writeRestored(restored, method: restoration.name, to: output, policy: range)
        let with = kernel.map { " with \($0.isEstimate ? "the estimated PSF" : $0.spec) (\($0.width)×\($0.height) kernel)" } ?? ""
        print(String(format: "%@%@ — %@: %.3f s → %@", restoration.name, with, restoration.summary, seconds, output))
    }
}

/// How out-of-range restored values are written.
enum RangePolicy: String, ExpressibleByArgument, CaseIterable {
    case clip, error
}

/// Writes a restored image by the workbench's one rule (`ClippedRestoration`): NaN or infinite
/// values are an error; values outside [0, 1] are clipped and counted (policy `clip`), or refused
/// (policy `error`).
func writeRestored(_ image: Image, method: String, to path: String, policy: RangePolicy) throws {
    let clipped = try ClippedRestoration(image, method: method)
    if let note = clipped.note {
        guard policy == .clip else {
            throw ValidationError("\(method) left \(clipped.clippedValues) values outside [0, 1] and --range error was given; nothing was written.")
        }
        print("note: \(note) (--range clip)")
    }
    try writeImage(clipped.image, to: path)
}
