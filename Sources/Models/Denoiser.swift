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

    /// The denoiser for images with `channels` channels (1 or 3), from its default weights.
    /// - Throws: `DenoiserError.unsupportedChannels`, `.weightsMissing` (with the command that fetches
    ///   them), `.weightsInvalid`, `.wrongArchitecture`.
    ///   `weights` replaces the default file (another checkpoint; for `ffdnet`, the converted file of
    ///   the variant for `channels`).
    public func denoiser(channels: Int, weights: URL? = nil) throws -> any Denoiser {
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
