import Foundation
import ImageCore
import NN
import Tensors

/// What a network is trained to do.
public enum NetworkTask: String, Codable, Sendable, CaseIterable {
    /// Blurred (noisy) RGB in, sharp RGB out: the deblurring networks, restoration methods of their own.
    case deblur
    /// Noisy image + noise-level map in, clean image out: a prior for plug-and-play restoration.
    case denoise
}

/// The networks the workbench knows, by name. Each entry builds a freshly initialised network from
/// a seed and, for loading, from the configuration a checkpoint recorded.
public enum ModelRegistry {
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        public var task: NetworkTask = .deblur
        let make: @Sendable (_ configuration: [String: String], _ seed: UInt64) throws -> any DeblurNetwork
    }

    public static let entries: [Entry] = [
        Entry(name: "autoencoder",
              summary: "the paper's convolutional autoencoder: 3 strided convs, 3 transposed convs, sigmoid output (no skips)") { config, seed in
            PaperAutoencoder(width: try int(config, "width", 64), seed: seed)
        },
        Entry(name: "unet",
              summary: "4-level U-Net, two 3×3 convs per level, skip concatenation, residual output") { config, seed in
            UNet(levels: try int(config, "levels", 4), width: try int(config, "width", 24), seed: seed)
        },
        Entry(name: "resnet",
              summary: "ResNet-style (DeblurGAN-shaped) trunk: 2 strided convs, residual blocks at 1/4, additive skips, global skip") { config, seed in
            ResNetDeblur(width: try int(config, "width", 32), blocks: try int(config, "blocks", 6), seed: seed)
        },
        Entry(name: "denoiser",
              summary: "noise-conditioned denoiser (plug-and-play prior): σ map + 2×2-unshuffled image, 10 convs of 64 features at half resolution, residual output",
              task: .denoise) { config, seed in
            NoiseConditionedDenoiser(channels: try int(config, "channels", 3), width: try int(config, "width", 64),
                                     layers: try int(config, "layers", 10), seed: seed)
        },
    ]

    public static var names: [String] { entries.map(\.name) }
    /// The deblurring networks (each a restoration method of its own).
    public static var deblurringNames: [String] { entries.filter { $0.task == .deblur }.map(\.name) }
    /// The task network `name` is trained for (nil if unknown).
    public static func task(of name: String) -> NetworkTask? { entries.first { $0.name == name }?.task }

    /// A freshly initialised network (default hyper-parameters unless `configuration` overrides them).
    /// - Throws: `ModelError.unknownArchitecture`.
    public static func make(_ name: String, configuration: [String: String] = [:], seed: UInt64 = 0) throws -> any DeblurNetwork {
        guard let entry = entries.first(where: { $0.name == name }) else { throw ModelError.unknownArchitecture(name) }
        return try entry.make(configuration, seed)
    }

    private static func int(_ config: [String: String], _ key: String, _ fallback: Int) throws -> Int {
        guard let s = config[key] else { return fallback }
        guard let v = Int(s), v > 0, v < 4096 else {
            throw ModelError.notACheckpoint(file: "configuration", reason: "\(key)=\(s) is not a positive integer")
        }
        return v
    }
}

/// Checkpoint metadata keys (safetensors `__metadata__`).
public enum CheckpointKey {
    public static let architecture = "architecture"
    /// JSON object of the architecture's hyper-parameters.
    public static let configuration = "configuration"
}

extension DeblurNetwork {
    /// Saves the weights with the architecture, its configuration and `metadata` in the header
    /// (atomically). F16 storage halves the file; values are rounded to half precision.
    public func saveCheckpoint(to url: URL, metadata: [String: String] = [:], dtype: SafeTensorsDType = .f16) throws {
        var meta = metadata
        meta[CheckpointKey.architecture] = architecture
        meta[CheckpointKey.configuration] = Checkpoint.encode(configuration)
        try save(to: url, metadata: meta, as: dtype)
    }
}

/// Reading checkpoints: the architecture is checked before any weight is touched.
public enum Checkpoint {
    /// A configuration (or any string map) as the sorted JSON object stored in checkpoint headers.
    public static func encode(_ dict: [String: String]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: dict, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ s: String?, file: String) throws -> [String: String] {
        guard let s, !s.isEmpty else { return [:] }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: String] else {
            throw ModelError.notACheckpoint(file: file, reason: "its configuration metadata is not a JSON object of strings")
        }
        return obj
    }

    /// The network's tensors of a checkpoint: all of them in a weights file; in a training run's
    /// resume file (`NAME.last.safetensors`, which also holds optimiser moments and, with
    /// `--adversarial`, a discriminator), the `model.` ones without that prefix — so the latest
    /// weights of a run can be restored and scored like its best ones.
    public static func networkTensors(_ file: SafeTensorsFile) -> [String: Tensor] {
        guard file.metadata[resumeStateKey] != nil else { return file.tensors }
        return Dictionary(uniqueKeysWithValues: file.tensors.compactMap { name, tensor in
            name.hasPrefix(resumeModelPrefix) ? (String(name.dropFirst(resumeModelPrefix.count)), tensor) : nil
        })
    }

    /// The prefix of the network's tensors in a resume file.
    public static let resumeModelPrefix = "model."
    /// The header key of a resume file's training state (what marks a file as one).
    public static let resumeStateKey = "training_state"

    /// Builds the network a checkpoint describes and loads its weights. With `expecting`, a
    /// checkpoint of another architecture is refused with `ModelError.architectureMismatch`.
    /// - Returns: the network and the file's metadata.
    public static func load(_ url: URL, expecting: String? = nil) throws -> (network: any DeblurNetwork, metadata: [String: String]) {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: url) } catch {
            throw ModelError.notACheckpoint(file: url.path, reason: error.localizedDescription)
        }
        guard let arch = file.metadata[CheckpointKey.architecture] else {
            throw ModelError.notACheckpoint(file: url.path, reason: "its header names no architecture")
        }
        if let expecting, expecting != arch {
            throw ModelError.architectureMismatch(file: url.path, expected: expecting, found: arch)
        }
        let network = try ModelRegistry.make(arch, configuration: decode(file.metadata[CheckpointKey.configuration], file: url.path))
        try network.loadStateDict(networkTensors(file), source: url.path)
        return (network, file.metadata)
    }

    /// Where shipped checkpoints are looked for: `Baselines/models/NAME.safetensors` under the
    /// current directory, then beside the executable's repository (…/.build/…/deblur → repo root).
    public static func defaultLocations(for name: String) -> [URL] {
        ProjectFiles.candidates("Baselines/models/\(name).safetensors")
    }

    /// Loads the shipped (or given) weights for `name`.
    /// - Returns: the network, the file's metadata and the file it was loaded from.
    public static func loadShipped(_ name: String, weights: String? = nil) throws -> (network: any DeblurNetwork, metadata: [String: String], url: URL) {
        guard ModelRegistry.names.contains(name) else { throw ModelError.unknownArchitecture(name) }
        let url: URL
        if let weights { url = URL(fileURLWithPath: weights) } else {
            let candidates = defaultLocations(for: name)
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                throw ModelError.missingWeights(architecture: name, searched: candidates.map(\.path))
            }
            url = found
        }
        let (network, metadata) = try load(url, expecting: name)
        return (network, metadata, url)
    }
}
