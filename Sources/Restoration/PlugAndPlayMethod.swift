import Blur
import Datasets
import Deconvolution
import Foundation
import ImageCore
import Models

/// Plug-and-play half-quadratic splitting with a learned denoiser as the image prior
/// (`Deconvolution.plugAndPlay`, after IRCNN / DPIR): the classical data term with the PSF, a CNN
/// in place of the hand-made regulariser. Two registry entries share this type:
///
/// - `pnp`: the prior chosen by `prior=` (default `ffdnet`, the pretrained FFDNet);
/// - `pnp-denoiser`: our own `denoiser` network (trained by `deblur train --task denoise`), so a
///   comparison can show both priors side by side.
///
/// Both denoiser variants the prior has (gray and colour) are loaded when the method is built, so a
/// missing weights file is reported before any work, with the command that fetches it.
public struct PlugAndPlayMethod: RestorationMethod {
    static func parameters(prior: DenoisingPrior, choosable: Bool) -> [MethodParameter] {
        var list = [
            MethodParameter("iterations", label: "Iterations", help: "HQS iterations K (DPIR: 8)", kind: .integer(1 ... 100), default: .integer(8)),
            MethodParameter("noise", label: "Noise σ", help: "noise level of the blurred image on the [0, 1] scale",
                            kind: .real(0 ... 0.5), automatic: "robust estimate (median absolute wavelet coefficient), at least 1/255"),
            MethodParameter("lambda", label: "λ", help: "penalty weights ρₖ = λ σₙ² / σₖ² (DPIR: 0.23)", kind: .real(0.001 ... 100), default: .real(0.23)),
            MethodParameter("kernel-error", label: "Kernel error σ",
                            help: "with an estimated PSF, its error counted as extra noise: the loop runs at √(σₙ² + this²) (a known PSF: 0)",
                            kind: .real(0 ... 0.5), default: .real(PlugAndPlayMethod.estimatedKernelError)),
            MethodParameter("colour", label: "Colour",
                            help: "how colour images reach the denoiser: joint (its colour network) or opponent (its gray network on three opponent components, each at its own σ)",
                            kind: .choice(ColourHandling.allCases.map(\.rawValue)),
                            automatic: "the prior's own: joint for ffdnet, opponent for denoiser"),
        ]
        if choosable {
            list.insert(MethodParameter("prior", label: "Prior", help: "the denoiser used as the image prior",
                                        kind: .choice(DenoisingPrior.allCases.map(\.rawValue)), default: .choice(prior.rawValue)), at: 1)
        }
        return list
    }

    public static let entry = MethodEntry(
        name: "pnp", label: "Plug-and-play (FFDNet)", family: .learned, needsPSF: true,
        help: "plug-and-play HQS with the PSF and a learned denoiser prior (FFDNet by default), 8 iterations, boundary adjustment",
        parameters: parameters(prior: .ffdnet, choosable: true)) { values in
        try PlugAndPlayMethod(name: "pnp", prior: values.text("prior").flatMap(DenoisingPrior.init(rawValue:)) ?? .ffdnet, values: values)
    }

    public static let ownPriorEntry = MethodEntry(
        name: "pnp-denoiser", label: "Plug-and-play (our denoiser)", family: .learned, needsPSF: true,
        help: "plug-and-play HQS with the PSF and our own denoiser network (Baselines/models/denoiser.safetensors), 8 iterations",
        parameters: parameters(prior: .denoiser, choosable: false)) { values in
        try PlugAndPlayMethod(name: "pnp-denoiser", prior: .denoiser, values: values)
    }

    /// The default `kernel-error`: chosen on training scenes only (chelsea, dune, forest_path,
    /// marigold × the four blur families, blind 31×31 estimates, σ = 0.01; see the README's
    /// plug-and-play section; re-checked for `pnp-denoiser` with our epoch-240 denoiser: 0.02 is best for it
    /// too). A blind kernel's error acts as noise the schedule would otherwise
    /// not know about, and stopping the denoiser levels at the image noise alone over-sharpens it.
    public static let estimatedKernelError = 0.02

    public let name: String
    public let prior: DenoisingPrior
    let options: PlugAndPlayOptions
    /// Added (in variance) to the noise level when the PSF is an estimate (`PSF.isEstimate`).
    let kernelError: Double
    let values: ParameterValues
    let gray: any Denoiser
    let colour: any Denoiser
    /// How colour images reach the denoiser (`colour=`, else the prior's default).
    let colourHandling: ColourHandling

    /// - Throws: `DenoiserError.weightsMissing` (and the other load errors) when the prior's weights
    ///   cannot be loaded.
    init(name: String, prior: DenoisingPrior, values: ParameterValues) throws {
        self.name = name
        self.prior = prior
        self.values = values
        var o = PlugAndPlayOptions()
        o.iterations = values.integer("iterations") ?? o.iterations
        o.noiseSigma = values.real("noise")
        o.lambda = values.real("lambda") ?? o.lambda
        options = o
        kernelError = values.real("kernel-error") ?? Self.estimatedKernelError
        colourHandling = values.text("colour").flatMap(ColourHandling.init(rawValue:)) ?? prior.defaultColourHandling
        let grayDenoiser = try prior.denoiser(channels: 1)
        gray = grayDenoiser
        // Opponent components run through the gray network already loaded: one weights file read, not two.
        colour = colourHandling == .opponent ? OpponentColourDenoiser(gray: grayDenoiser) : try prior.denoiser(channels: 3, colour: .joint)
        let hashes = prior.weightsFiles.map { "\($0.lastPathComponent) sha256 " + ((try? SHA256.hex(fileAt: $0.path)) ?? "unreadable") }
        fingerprint = ([Restoration.summary(Self.base(prior, options, colourHandling), values)] + hashes).joined(separator: ", ")
    }

    /// The summary and the SHA-256 of every weights file: a retrained prior re-runs its rows.
    public let fingerprint: String

    static func base(_ prior: DenoisingPrior, _ options: PlugAndPlayOptions, _ colour: ColourHandling) -> String {
        "plug-and-play HQS, \(prior.rawValue) prior, \(options.iterations) iterations, σ from 49/255 to the noise level "
            + "(with an estimated PSF √(σₙ² + kernel-error²)), boundary adjustment"
            + (colour == .opponent ? ", colour images denoised as opponent components" : "")
    }

    public var family: MethodFamily { .learned }
    public var needsPSF: Bool { true }

    public var summary: String { Restoration.summary(Self.base(prior, options, colourHandling), values) }

    /// The loop's settings for this PSF: a blindly estimated one adds `kernelError` to the noise level.
    func optionsFor(_ psf: PSF) -> PlugAndPlayOptions {
        var o = options
        if psf.isEstimate { o.kernelErrorSigma = kernelError }
        return o
    }

    public func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        try restore(blurred, psf: psf, observe: nil)
    }

    /// `restore`, calling `observe(k, x, z)` after each iteration with the data step's x and the denoised z
    /// (for the teaching lesson that steps through them).
    public func restore(_ blurred: Image, psf: PSF?, observe: ((_ iteration: Int, _ x: Image, _ z: Image) -> Void)?) throws -> Image {
        let psf = try Common.require(psf, name)
        let denoiser: any Denoiser
        switch blurred.channels {
        case 1: denoiser = gray
        case 3: denoiser = colour
        default: throw DenoiserError.unsupportedChannels(blurred.channels)
        }
        // The schedule starts at 49/255 and ends at the noise level; a noisier image than the network
        // was trained for is denoised at its top level (said in the summary of such a run's noise value).
        let top = Double(denoiser.maximumSigma)
        return try plugAndPlay(blurred, psf: psf, denoiser: { x, sigma in
            try denoiser.denoise(x, sigma: Float(min(sigma, top)))
        }, options: optionsFor(psf), observe: observe)
    }
}
