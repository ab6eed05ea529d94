import Foundation
import ImageCore

/// A Gaussian denoiser conditioned on the noise level: the image prior of plug-and-play
/// restoration (`z ← denoise(x, σ_k)` in half-quadratic splitting) and of `deblur denoise`.
///
/// Model: `y = x + n`, `n ~ N(0, σ²)` per pixel and channel, values on the [0, 1] scale;
/// `denoise(y, sigma: σ)` estimates `x`. The output has the input's shape and is not clipped.
public protocol Denoiser: Sendable {
    /// The prior's name in reports and on the command line (`ffdnet`).
    var name: String { get }
    /// The channel count this denoiser accepts (1 = gray, 3 = RGB).
    var channels: Int { get }
    /// Largest accepted σ (on the [0, 1] scale): the top of the noise levels it was trained on.
    var maximumSigma: Float { get }
    /// The denoised image.
    /// - Parameters:
    ///   - noisy: `channels` channels, any size ≥ 1×1, finite values nominally in [0, 1].
    ///   - sigma: the noise standard deviation on the [0, 1] scale (25/255 for "σ = 25"),
    ///     `0 < sigma ≤ maximumSigma`.
    /// - Throws: `DenoiserError`.
    func denoise(_ noisy: Image, sigma: Float) throws -> Image
}

/// The denoising priors the workbench offers, by command-line name.
///
/// `ffdnet` is the pretrained FFDNet (colour and gray, `scripts/fetch-ffdnet.sh`); `denoiser` is our
/// own noise-conditioned network (`NoiseConditionedDenoiser`), trained by `deblur train --task denoise`
/// and shipped as `Baselines/models/denoiser.safetensors`.
public enum DenoisingPrior: String, Sendable, CaseIterable {
    case ffdnet, denoiser

    /// One line for `--help` and reports.
    public var summary: String {
        switch self {
        case .ffdnet:
            return "FFDNet (Zhang, Zuo & Zhang 2018), pretrained weights of Tassano's IPOL implementation (GPL-3.0, fetched by scripts/fetch-ffdnet.sh)"
        case .denoiser:
            return "our noise-conditioned CNN (FFDNet layout, 10 layers at half resolution: 64 features by default, 88 in the shipped weights), trained here on the training split (Baselines/models/denoiser.safetensors)"
        }
    }

    /// The top of the noise range the prior's networks were trained on, on the 0–255 scale: FFDNet 75
    /// (Tassano's `train.py` default `--noiseIntL 0 75`), ours 50 (`deblur train --task denoise`).
    /// The networks' `maximumSigma` and `deblur denoise`'s checks and help read it from here.
    public var maximumSigma255: Int {
        switch self {
        case .ffdnet: return 75
        case .denoiser: return 50
        }
    }

    /// The weights files the prior loads by default (for a comparison's fingerprint of a method).
    public var weightsFiles: [URL] {
        switch self {
        case .ffdnet: return FFDNet.Variant.allCases.map(FFDNet.defaultWeightsURL)
        case .denoiser: return [TrainedDenoiser.defaultWeightsURL]
        }
    }

    /// How colour images reach the prior unless told otherwise: FFDNet's colour network was trained
    /// on colour photographs and runs on RGB (`joint`); ours runs on opponent components
    /// (`opponent`), which on the two validation photographs at σ = 25 scored 35.87 dB against
    /// 35.24 with its colour path. FFDNet through opponent components gained only 0.15 dB there, at
    /// 1.6× the time (and `pnp`'s speed), so it keeps its colour network.
    public var defaultColourHandling: ColourHandling {
        switch self {
        case .ffdnet: return .joint
        case .denoiser: return .opponent
        }
    }

    /// The denoiser for images with `channels` channels (1 or 3), from its default weights.
    /// - Throws: `DenoiserError.unsupportedChannels`, `.weightsMissing` (with the command that fetches
    ///   them), `.weightsInvalid`, `.wrongArchitecture`.
    ///   `weights` replaces the default file (another checkpoint; for `ffdnet`, the converted file of
    ///   the variant for `channels` — with `.opponent` colour handling, of the gray variant).
    ///   `colour` chooses how RGB images are denoised (default `defaultColourHandling`).
    public func denoiser(channels: Int, weights: URL? = nil, colour: ColourHandling? = nil) throws -> any Denoiser {
        if channels == 3, (colour ?? defaultColourHandling) == .opponent {
            return OpponentColourDenoiser(gray: try denoiser(channels: 1, weights: weights))
        }
        switch self {
        case .ffdnet:
            guard let variant = FFDNet.Variant(channels: channels) else { throw DenoiserError.unsupportedChannels(channels) }
            return try FFDNet(contentsOf: weights ?? FFDNet.defaultWeightsURL(variant), expecting: variant)
        case .denoiser:
            return try TrainedDenoiser(channels: channels, weights: weights)
        }
    }
}

/// What can go wrong loading or running a denoiser; each message says what to do.
public enum DenoiserError: LocalizedError, Equatable {
    /// The weights file does not exist.
    case weightsMissing(prior: String, path: String)
    /// The weights file exists but cannot be used (not safetensors, missing or misshapen tensors).
    case weightsInvalid(path: String, reason: String)
    /// The file holds another architecture or variant.
    case wrongArchitecture(path: String, expected: String, found: String)
    /// σ is not a number in (0, maximum].
    case invalidSigma(value: String, maximum: Float)
    /// The image's channel count does not match the denoiser's.
    case channelMismatch(prior: String, expected: Int, found: Int)
    /// Neither gray nor RGB.
    case unsupportedChannels(Int)
    /// A pixel is NaN or infinite.
    case nonFiniteInput(channel: Int, x: Int, y: Int)
    /// A tile size below the minimum.
    case invalidTile(Int)

    public var errorDescription: String? {
        switch self {
        case let .weightsMissing(prior, path):
            if prior == DenoisingPrior.denoiser.rawValue {
                return "the \(prior) network's weights are not at '\(path)'; they ship in Baselines/models/ (restore the file from git) or train them with `deblur train --task denoise --model denoiser --out Baselines/models/denoiser.safetensors`"
            }
            return "the \(prior) denoiser's weights are not at '\(path)'; fetch them with `scripts/fetch-ffdnet.sh` (or `make setup`)"
        case let .weightsInvalid(path, reason):
            return "the denoiser weights at '\(path)' cannot be used: \(reason); delete the file and run `scripts/fetch-ffdnet.sh` to fetch and convert them again"
        case let .wrongArchitecture(path, expected, found):
            return "'\(path)' holds a '\(found)' network, not '\(expected)'; pass the matching weights file (`scripts/fetch-ffdnet.sh` installs both FFDNet variants)"
        case let .invalidSigma(value, maximum):
            return "noise level σ = \(value) is invalid: it must be a number > 0 and ≤ \(maximum) on the [0, 1] scale (\(Int((maximum * 255).rounded())) on the 0–255 scale, the top of the range the network was trained on)"
        case let .channelMismatch(prior, expected, found):
            return "the \(prior) denoiser takes \(expected)-channel images, this one has \(found); use the \(found == 1 ? "gray" : "colour") variant"
        case let .unsupportedChannels(c):
            return "denoisers take gray (1 channel) or RGB (3 channels) images, this one has \(c) channels; convert it first"
        case let .nonFiniteInput(channel, x, y):
            return "the image has a NaN or infinite value at channel \(channel), x \(x), y \(y); fix the step that produced it before denoising"
        case let .invalidTile(tile):
            return "tile size \(tile) is too small: use at least \(FFDNet.minimumTile) pixels"
        }
    }
}

/// How a colour image reaches a denoiser.
public enum ColourHandling: String, Sendable, CaseIterable {
    /// The RGB image into the prior's colour network.
    case joint
    /// The prior's gray network on each of the image's three opponent components
    /// (`OpponentColourDenoiser`).
    case opponent
}

/// A colour denoiser made of a gray one: the RGB image is turned into three orthogonal opponent
/// components (as colour BM3D does, Dabov et al. 2007), each denoised as a gray image at its own
/// noise level, and turned back.
///
///     y = (R + G + B)/3          σ_y = σ/√3
///     u = (R − B)/2 + ½          σ_u = σ/√2
///     v = (R − 2G + B)/4 + ½     σ_v = σ·√6/4
///
/// The three rows are orthogonal, so white noise of σ per RGB channel becomes independent white
/// noise in each component with the σ beside it; the ½ offsets keep the chroma components in the
/// [0, 1] range the networks were trained on. Inverse: `R = y + u' + 2v'/3`, `G = y − 4v'/3`,
/// `B = y − u' + 2v'/3` with `u' = u − ½`, `v' = v − ½`. Luminance keeps the structure, the chroma
/// components are smooth and faint: a gray prior removes more noise from each than a colour
/// network trained on a few photographs does from all three channels at once. Three gray passes
/// cost about three times one colour pass.
public struct OpponentColourDenoiser: Denoiser {
    public let gray: any Denoiser

    /// - Precondition: `gray.channels == 1`.
    public init(gray: any Denoiser) {
        precondition(gray.channels == 1, "OpponentColourDenoiser needs a gray denoiser, got \(gray.channels) channels")
        self.gray = gray
    }

    public var name: String { gray.name }
    public var channels: Int { 3 }
    public var maximumSigma: Float { gray.maximumSigma }

    /// Each component's σ as a multiple of the RGB channels' σ.
    static let sigmaFactors: [Float] = [Float(1 / 3.0.squareRoot()), Float(1 / 2.0.squareRoot()), Float(6.0.squareRoot() / 4)]

    public func denoise(_ noisy: Image, sigma: Float) throws -> Image {
        try validateDenoiserInput(noisy, sigma: sigma, channels: 3, maximum: maximumSigma, prior: name)
        let components = OpponentColourDenoiser.forward(noisy)
        var denoised: [Image] = []
        for (component, factor) in zip(components, OpponentColourDenoiser.sigmaFactors) {
            denoised.append(try gray.denoise(component, sigma: sigma * factor))
        }
        return OpponentColourDenoiser.inverse(denoised, height: noisy.height, width: noisy.width)
    }

    /// The three opponent components (y, u + ½, v + ½) of an RGB image.
    static func forward(_ rgb: Image) -> [Image] {
        let plane = rgb.planeSize
        var y = Image(channels: 1, height: rgb.height, width: rgb.width), u = y, v = y
        rgb.pixels.withUnsafeBufferPointer { p in
            for i in 0 ..< plane {
                let r = p[i], g = p[plane + i], b = p[2 * plane + i]
                y.pixels[i] = (r + g + b) / 3
                u.pixels[i] = (r - b) / 2 + 0.5
                v.pixels[i] = (r - 2 * g + b) / 4 + 0.5
            }
        }
        return [y, u, v]
    }

    /// RGB from the three components of `forward`.
    static func inverse(_ c: [Image], height: Int, width: Int) -> Image {
        var out = Image(channels: 3, height: height, width: width)
        let plane = out.planeSize
        for i in 0 ..< plane {
            let y = c[0].pixels[i], u = c[1].pixels[i] - 0.5, v = c[2].pixels[i] - 0.5
            out.pixels[i] = y + u + 2 * v / 3
            out.pixels[plane + i] = y - 4 * v / 3
            out.pixels[2 * plane + i] = y - u + 2 * v / 3
        }
        return out
    }
}

/// A denoiser run under several of the image's orientations and averaged (`Image.selfEnsemble`):
/// white Gaussian noise is the same in every orientation, the network's errors are not, so the mean
/// removes part of them — at `count` times the cost. `deblur denoise --ensemble N`.
public struct SelfEnsembleDenoiser: Denoiser {
    public let base: any Denoiser
    /// How many of the eight orientations are averaged, 1…8.
    public let count: Int

    /// - Precondition: `1 ≤ count ≤ 8`.
    public init(_ base: any Denoiser, count: Int) {
        precondition((1 ... Image.orientations.count).contains(count), "self-ensemble count \(count) is outside 1…8")
        self.base = base
        self.count = count
    }

    public var name: String { count > 1 ? "\(base.name) ×\(count)" : base.name }
    public var channels: Int { base.channels }
    public var maximumSigma: Float { base.maximumSigma }

    public func denoise(_ noisy: Image, sigma: Float) throws -> Image {
        try noisy.selfEnsemble(count: count) { try base.denoise($0, sigma: sigma) }
    }
}
