import Foundation
import ImageCore
import NN
import Tensors

/// A deblurring network: NCHW RGB in `[0, 1]` → NCHW RGB of the same shape.
///
/// Besides its parameters, a network states the geometry full-resolution inference needs:
/// inputs must be a multiple of `sizeMultiple` high and wide (its down-sampling factor), and an
/// output pixel depends on input pixels at most `receptiveRadius` away (so tiles that carry that
/// much context on every side give exactly the untiled result).
public protocol DeblurNetwork: Layer {
    /// The registered architecture name (`autoencoder`, `unet`, `resnet`), stored in checkpoints.
    var architecture: String { get }
    /// The hyper-parameters that fix the parameter shapes (stored in checkpoints, checked on load).
    var configuration: [String: String] { get }
    /// Height and width of an input must be multiples of this.
    var sizeMultiple: Int { get }
    /// Largest distance, in input pixels, from an output pixel to an input pixel it depends on.
    var receptiveRadius: Int { get }
}

/// Errors of model construction, checkpoints and inference, each naming what to fix.
public enum ModelError: LocalizedError, Equatable {
    case unknownArchitecture(String)
    case architectureMismatch(file: String, expected: String, found: String)
    case configurationMismatch(file: String, key: String, expected: String, found: String)
    case notACheckpoint(file: String, reason: String)
    case missingWeights(architecture: String, searched: [String])
    case unsupportedChannels(Int)
    case invalidTiling(String)
    case invalidConfiguration(String)

    public var errorDescription: String? {
        switch self {
        case let .unknownArchitecture(name):
            return "unknown model '\(name)'; choose one of \(ModelRegistry.names.joined(separator: ", ")) (see `deblur models`)"
        case let .architectureMismatch(file, expected, found):
            return "\(file) holds a '\(found)' checkpoint, not '\(expected)'; pass the matching --method or --weights"
        case let .configurationMismatch(file, key, expected, found):
            return "\(file) was saved with \(key)=\(found), but this model has \(key)=\(expected)"
        case let .notACheckpoint(file, reason):
            return "\(file) is not a Deblur Workbench checkpoint: \(reason)"
        case let .missingWeights(architecture, searched):
            return "no weights for '\(architecture)': looked for \(searched.joined(separator: ", ")); "
                + "pass --weights FILE or train one with `deblur train --model \(architecture)`"
        case let .unsupportedChannels(c):
            return "the networks restore gray (1 channel) or RGB (3 channels) images, this one has \(c) channels"
        case let .invalidTiling(reason):
            return "invalid tiling: \(reason)"
        case let .invalidConfiguration(reason):
            return "invalid model configuration: \(reason)"
        }
    }
}
