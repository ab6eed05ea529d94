import ArgumentParser
import Blur
import Deconvolution
import Foundation
import ImageCore
import ImageIO
import Models
import Workbench

/// `deblur restore`: deconvolve one image with a known PSF.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a blurred image with a classical method and a known PSF, or with a trained network.",
        discussion: """
        Methods (model y = h ∗ x + n):
          wiener      Wiener filter, NSR estimated from the image unless --nsr is given
          tikhonov    Tikhonov / constrained least squares, Laplacian penalty, λ by GCV unless --lambda
          rl          Richardson–Lucy (Poisson maximum likelihood)
          rl-damped   RL with MATLAB deconvlucy damping (--damping, default 3 × estimated noise σ)
          rl-tv       RL with total-variation regularisation (--tv-weight, default 0.002)
          rl-accel    RL with Biggs–Andrews acceleration
          landweber   projected Landweber iteration (--step, default 1)
        Learned (no PSF; full resolution, tiled with overlap for large images):
          autoencoder the paper's convolutional autoencoder
          unet        4-level U-Net with residual output
          resnet      ResNet-style network (residual blocks, global skip)
        Learned methods load Baselines/models/NAME.safetensors unless --weights is given.
        Borders: reflect (default: mirror-pad, deconvolve, crop), taper (MATLAB edgetaper), \
        none (treat the image as periodic — watch the borders ring), zero.
        Output values outside [0, 1] are clipped and counted (--range clip, the default), or \
        the command fails (--range error).

        Examples:
          deblur restore blurred.png --psf motion:15,30 --method wiener -o restored.png
          deblur restore photo.jpg --psf disk:4 --method rl-accel --iterations 20 -o out.png
          deblur restore photo.jpg --method unet -o out.png
        """)

    @Argument(help: "The blurred image (PNG or JPEG).")
    var input: String

    @Option(name: .shortAndLong, help: "Output image (.png or .jpg).")
    var output: String

    @Option(help: "Restoration method: \(ClassicalMethod.allCases.map(\.rawValue).joined(separator: ", ")), \(ModelRegistry.names.joined(separator: ", ")).")
    var method = "wiener"

    @Option(help: "PSF spec (gaussian:SIGMA, disk:RADIUS, motion:LENGTH,ANGLE, shake:SEED) or a kernel image (classical methods).")
    var psf: String?

    @Option(help: "Checkpoint for a learned method (default: Baselines/models/METHOD.safetensors).")
    var weights: String?

    @Option(help: "Tile size for learned methods (images larger than this are restored in overlapping tiles).")
    var tile = 512

    @Option(help: "Noise-to-signal ratio for wiener (default: estimated from the image).")
    var nsr: Double?

    @Option(help: "Regularisation weight λ for tikhonov (default: generalised cross-validation).")
    var lambda: Double?

    @Option(help: "Iterations for the iterative methods (default 30; rl-accel 10; landweber 100).")
    var iterations: Int?

    @Option(help: "Border handling: reflect, taper, none or zero.")
    var border: BorderHandling = .reflect

    @Option(help: "rl-damped threshold DAMPAR in intensity units (default 3 × estimated noise σ).")
    var damping: Double?

    @Option(help: "rl-tv regularisation weight λ.")
    var tvWeight = 0.002

    @Option(help: "landweber step size τ, in (0, 2).")
    var step = 1.0

    @Option(help: "Stop the RL methods early once the relative change of the estimate falls below this (e.g. 1e-4).")
    var stopTolerance: Double?

    @Option(help: "Output range policy: clip (clip to [0,1] and report how many values) or error.")
    var range: RangePolicy = .clip

    func validate() throws {
        let learned = ModelRegistry.names.contains(method)
        guard learned || ClassicalMethod(rawValue: method) != nil else {
            throw ValidationError("--method '\(method)' is not one of \((ClassicalMethod.allCases.map(\.rawValue) + ModelRegistry.names).joined(separator: ", ")).")
        }
        if !learned && psf == nil { throw ValidationError("--psf is required for the classical method '\(method)' (e.g. --psf motion:15,30).") }
        if learned && psf != nil { throw ValidationError("--psf is not used by the learned method '\(method)'; drop it.") }
        if weights != nil && !learned { throw ValidationError("--weights applies to learned methods only.") }
        if tile < 32 { throw ValidationError("--tile must be at least 32 (got \(tile)).") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1 (got \(iterations)).") }
        if let nsr, !(nsr >= 0) { throw ValidationError("--nsr must be ≥ 0 (got \(nsr)).") }
        if let stopTolerance, !(stopTolerance > 0) { throw ValidationError("--stop-tolerance must be > 0 (got \(stopTolerance)).") }
        guard ImageFormat(fileExtensionOf: output) != nil else {
            throw ValidationError("--output must end in .png, .jpg or .jpeg (got '\(output)').")
        }
    }

    func run() throws {
        let blurred = try readImage(at: input)
        if ModelRegistry.names.contains(method) {
            let (network, meta, _) = try Checkpoint.loadShipped(method, weights: weights)
            let start = Date()
            let restored = try Models.restore(blurred, with: network, tiling: TilingOptions(tile: tile))
            let seconds = Date().timeIntervalSince(start)
            try writeRestored(restored, to: output, policy: range)
            print(String(format: "%@ (%d parameters, trained epoch %@): %.3f s → %@", method, network.parameterCount,
                         meta["epoch"] ?? "?", seconds, output))
            return
        }
        let method = ClassicalMethod(rawValue: self.method)!
        let kernel = try PSF.parse(psf!)
        let start = Date()
        let restored = try method.restore(blurred, psf: kernel, nsr: nsr, lambda: lambda, iterations: iterations,
                                          damping: damping, tvWeight: tvWeight, step: step, border: border,
                                          stopTolerance: stopTolerance)
        let seconds = Date().timeIntervalSince(start)
        try writeRestored(restored, to: output, policy: range)
        print(String(format: "%@ with %@ (%d×%d kernel), border %@: %.3f s → %@", method.rawValue, kernel.spec,
                     kernel.width, kernel.height, border.rawValue, seconds, output))
    }
}

/// How out-of-range restored values are written.
enum RangePolicy: String, ExpressibleByArgument, CaseIterable {
    case clip, error
}

/// Writes a restored image: clips to [0, 1] and reports the count (policy `clip`), or lets the
/// writer refuse out-of-range values (policy `error`).
func writeRestored(_ image: Image, to path: String, policy: RangePolicy) throws {
    var toWrite = image
    if policy == .clip {
        let outside = image.pixels.filter { $0 < 0 || $0 > 1 }.count
        if outside > 0 {
            let r = image.valueRange
            print(String(format: "note: clipped %d of %d values (%.2f%%) from [%.3f, %.3f] to [0, 1] (--range clip)",
                         outside, image.pixels.count, 100 * Double(outside) / Double(image.pixels.count), r.lowerBound, r.upperBound))
            toWrite = image.clamped(to: 0 ... 1)
        }
    }
    try writeImage(toWrite, to: path)
}

extension ClassicalMethod: ExpressibleByArgument {}

extension BorderHandling: ExpressibleByArgument {}
