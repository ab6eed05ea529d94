import ArgumentParser
import Deconvolution
import Foundation
import ImageCore
import ImageIO
import Models

/// `deblur denoise`: remove white Gaussian noise with a learned denoising prior.
struct Denoise: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove Gaussian noise from an image with a learned denoiser (pretrained FFDNet or our own).",
        discussion: """
        Model y = x + n, n white Gaussian with standard deviation σ. Gray images use the gray \
        network. RGB images use ffdnet's colour network (--colour joint); with denoiser, the gray \
        network on three opponent components — luminance (R+G+B)/3 and two chroma differences, \
        each at its own σ — as colour BM3D does (--colour opponent, its default: +0.6 dB over its \
        colour path on the validation photographs).

        --sigma is on the 0–255 scale, as in the denoising literature: --sigma 25 means \
        σ = 25/255 ≈ 0.098 on the [0, 1] scale of the image values. Accepted: from 1 to the top of the \
        range the prior was trained on — \(sigmaRanges). --sigma auto estimates σ from the image (median \
        absolute Haar diagonal detail / 0.6745, Donoho & Johnstone 1994; the estimate the Wiener \
        default uses) and prints it.

        Priors:
        \(DenoisingPrior.allCases.map { "  \($0.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))\($0.summary)" }.joined(separator: "\n"))
        The FFDNet weights are installed by scripts/fetch-ffdnet.sh (also run by `make setup`).
        Large images run in tiles that carry the network's whole receptive field, so the result \
        does not depend on the image size. Output values outside [0, 1] are clipped and counted (--range clip, the default), or the \
        command fails (--range error).

        Examples:
          deblur denoise noisy.png --sigma 25 -o clean.png
          deblur denoise photo.jpg --prior ffdnet --sigma auto -o clean.png
          deblur denoise noisy.png --prior denoiser --weights runs/denoiser.safetensors --sigma 25 -o clean.png
          deblur denoise noisy.png --prior denoiser --sigma 25 --ensemble 8 -o clean.png   # 8 orientations averaged
        """)

    @Argument(help: "The noisy image (PNG or JPEG; gray or RGB).")
    var input: String

    @OptionGroup var pixelLimit: PixelLimitOption

    @Option(name: .shortAndLong, help: "Output image (.png or .jpg).")
    var output: String

    @Option(help: "Denoising prior: \(DenoisingPrior.allCases.map(\.rawValue).joined(separator: ", ")).")
    var prior: DenoisingPrior = .ffdnet

    @Option(help: "Noise standard deviation on the 0–255 scale (25 means 25/255), 1 to the prior's top (\(sigmaRanges)), or 'auto' to estimate it.")
    var sigma: NoiseLevelArgument

    @Option(help: "Weights file instead of the prior's default: another checkpoint of `deblur train --task denoise` for denoiser, a converted FFDNet file of the image's variant for ffdnet (the gray one with --colour opponent).")
    var weights: String?

    @Option(help: "How RGB images are denoised: joint (the prior's colour network) or opponent (its gray network on three opponent components). Default: ffdnet joint, denoiser opponent.")
    var colour: ColourHandling?

    @Option(help: "Geometric self-ensemble: denoise the image under this many of its 8 orientations (mirrors, quarter turns) and average, 1…8; costs that many runs.")
    var ensemble: Int = 1

    @Option(help: "Output range policy: clip (clip to [0,1] and report how many values) or error.")
    var range: RangePolicy = .clip

    func validate() throws {
        if case let .value(v) = sigma, !(v >= 1 && v <= Double(prior.maximumSigma255)) {
            throw ValidationError("--sigma \(v) is outside 1…\(prior.maximumSigma255), the range the \(prior.rawValue) prior was trained on. "
                + "It is on the 0–255 scale (--sigma 25 means 25/255); for σ = 0.1 on the [0, 1] scale write --sigma 25.5. Or use --sigma auto.")
        }
        guard (1 ... Image.orientations.count).contains(ensemble) else {
            throw ValidationError("--ensemble \(ensemble) is outside 1…\(Image.orientations.count) (the image's orientations to average; 1 = a single run).")
        }
        if let weights, !FileManager.default.fileExists(atPath: weights) {
            throw ValidationError("--weights: no file at '\(weights)'.")
        }
        guard ImageFormat(fileExtensionOf: output) != nil else {
            throw ValidationError("--output must end in .png, .jpg or .jpeg (got '\(output)').")
        }
    }

    func run() throws {
        let noisy = try pixelLimit.read(input)
        let sigma255: Double
        switch sigma {
        case let .value(v):
            sigma255 = v
        case .auto:
            sigma255 = 255 * estimateNoiseSigma(noisy)
            print(String(format: "estimated noise σ = %.2f/255", sigma255))
            guard sigma255 >= 1 else {
                throw ValidationError(String(format: "the estimated noise σ = %.2f/255 is below 1/255: the image is practically noise-free; give --sigma explicitly to denoise anyway.", sigma255))
            }
        }
        let denoiser = SelfEnsembleDenoiser(try prior.denoiser(channels: noisy.channels, weights: weights.map { URL(fileURLWithPath: $0) }, colour: colour),
                                            count: ensemble)
        let start = Date()
        let denoised = try denoiser.denoise(noisy, sigma: Float(sigma255 / 255))
        let seconds = Date().timeIntervalSince(start)
        try writeRestored(denoised, method: "\(prior.rawValue) denoiser", to: output, policy: range)
        print(String(format: "%@ (%@, σ = %.2f/255): %.3f s → %@", denoiser.name, noisy.channels == 1 ? "gray" : "colour, \((colour ?? prior.defaultColourHandling).rawValue)",
                     sigma255, seconds, output))
    }
}

/// Each prior's accepted `--sigma` range, for the help texts ("ffdnet 1…75, denoiser 1…50").
private let sigmaRanges = DenoisingPrior.allCases.map { "\($0.rawValue) 1…\($0.maximumSigma255)" }.joined(separator: ", ")

/// `--sigma`: a number on the 0–255 scale, or `auto`.
enum NoiseLevelArgument: ExpressibleByArgument {
    case auto
    case value(Double)

    init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let v = Double(argument), v.isFinite {
            self = .value(v)
        } else {
            return nil
        }
    }
}

extension DenoisingPrior: ExpressibleByArgument {}
extension ColourHandling: ExpressibleByArgument {}
