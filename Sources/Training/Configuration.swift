import Foundation
import Models
import NN

/// The training loss: a weighted sum of terms, written as on the command line, e.g. `l1`,
/// `l1+0.1*perceptual+0.2*ssim` (a term without a weight has weight 1).
///
/// Terms: `mse`, `l1`, `charbonnier` (pixel losses), `ssim` (1 − SSIM, Gaussian window σ = 1.5) and
/// `perceptual` (the ST-LPIPS (alex) feature distance, `NN.PerceptualLoss`; see there for why that network).
/// `l1+ssim` keeps its earlier meaning, `0.16·L1 + 0.84·(1 − SSIM)` — the mix Zhao et al. (2017, "Loss functions
/// for image restoration with neural networks") found best (they use MS-SSIM; we use single-scale SSIM,
/// which 128-px patches support). Stored in checkpoints as the string, so runs written before weighted
/// terms existed resume unchanged.
public struct TrainingLoss: RawRepresentable, Codable, Sendable, Hashable {
    public enum Term: String, Sendable, CaseIterable { case mse, l1, charbonnier, ssim, perceptual }

    public struct Part: Sendable, Hashable {
        public var weight: Double
        public var term: Term
    }

    public let rawValue: String
    public let parts: [Part]

    public static let mse = TrainingLoss(rawValue: "mse")!
    public static let l1 = TrainingLoss(rawValue: "l1")!
    public static let charbonnier = TrainingLoss(rawValue: "charbonnier")!
    public static let l1ssim = TrainingLoss(rawValue: "l1+ssim")!

    /// nil for text that is not a `+`-separated list of distinct terms, each optionally `WEIGHT*` before it
    /// with a finite weight > 0.
    public init?(rawValue: String) {
        let text = rawValue.replacingOccurrences(of: " ", with: "").lowercased()
        if text == "l1+ssim" {
            parts = [Part(weight: 0.16, term: .l1), Part(weight: 0.84, term: .ssim)]
        } else {
            var parsed: [Part] = []
            for piece in text.split(separator: "+", omittingEmptySubsequences: false) {
                let pair = piece.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
                guard (1 ... 2).contains(pair.count), let term = Term(rawValue: pair.last!) else { return nil }
                let weight = pair.count == 2 ? Double(pair[0]) : 1
                guard let weight, weight > 0, weight.isFinite, !parsed.contains(where: { $0.term == term }) else { return nil }
                parsed.append(Part(weight: weight, term: term))
            }
            guard !parsed.isEmpty else { return nil }
            parts = parsed
        }
        self.rawValue = text
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let loss = TrainingLoss(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown training loss '\(text)'"))
        }
        self = loss
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var usesPerceptual: Bool { parts.contains { $0.term == .perceptual } }

    /// What `--loss` accepts, for error messages.
    public static let syntax = "a sum of terms from mse, l1, charbonnier, ssim and perceptual, each with an optional weight, e.g. l1+0.1*perceptual+0.2*ssim"
}

public enum TrainingOptimizer: String, Codable, Sendable, CaseIterable { case adam, adamw }

/// Every choice that determines a training run. Stored in checkpoints; `--resume` refuses a
/// checkpoint whose configuration differs in anything but the stopping rule (`epochs`, `minutes`).
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public var model: String
    /// What the network learns: deblurring (nil, the default; checkpoints written before the field
    /// existed decode as deblurring) or denoising, where patches are clean crops plus Gaussian noise of
    /// σ uniform in [`noiseMin`, `noiseMax`] and the network also receives the σ map.
    public var task: NetworkTask? = nil
    /// Architecture hyper-parameters overriding the registry defaults (e.g. `width`).
    public var modelConfiguration: [String: String] = [:]
    /// `builtin` or a dataset folder (any layout `loadDataset(at:)` knows).
    public var data: String = "builtin"
    /// PSF families for synthetic pairs: any name `PSFSampler(name:)` accepts (`PSFSampler.acceptedNames`).
    public var blur: String = "mixed"
    /// Fraction of patches drawn from dead-leaves scenes (`DeadLeaves`, coloured from the training
    /// photographs) instead of the photographs themselves; nil or 0: photographs only. Optional so
    /// that checkpoints written before it existed still decode.
    public var syntheticScenes: Double? = nil
    /// Denoising: fraction of patches made gray (luma in three identical channels, one shared noise
    /// field; `PatchSampler.grayFraction`); nil or 0: none. Optional so that earlier checkpoints decode.
    public var grayPatches: Double? = nil
    /// Denoising: fraction of photograph patches cut 1.5–4× smaller and enlarged (`PatchSampler.zoomFraction`);
    /// nil or 0: none.
    public var zoomPatches: Double? = nil
    /// Use the dataset's own blurred images (GoPro, paired folders) instead of synthetic blur.
    public var realPairs: Bool = false
    public var patch: Int = 128
    public var batch: Int = 16
    public var epochs: Int = 10
    public var stepsPerEpoch: Int = 100
    /// Wall-clock budget of one invocation, in minutes; training stops before an epoch that would exceed it.
    public var minutes: Double? = nil
    public var loss: TrainingLoss = .l1
    public var optimizer: TrainingOptimizer = .adam
    public var learningRate: Double = 1e-3
    public var weightDecay: Double = 0
    /// Gradient-norm clipping threshold (0 = off).
    public var clipNorm: Double = 1
    public var seed: UInt64 = 0
    /// Seed of the 80/20 scene split (the test scenes are never seen).
    public var splitSeed: UInt64 = 0
    /// Gaussian noise σ of synthetic pairs, drawn uniformly per patch (denoising: set to [0, 50/255]).
    public var noiseMin: Double = 0
    public var noiseMax: Double = 0.02
    /// Validation: this many fixed patches from the held-aside scenes, σ = 0.01 (denoising: σ = 25/255).
    public var validationPatches: Int = 16
    /// Fraction of training scenes held aside for validation (at least one scene).
    public var validationFraction: Double = 0.15
    /// ReduceLROnPlateau on validation PSNR (mode max).
    public var plateauFactor: Double = 0.5
    public var plateauPatience: Int = 3
    public var minLearningRate: Double = 1e-5
    /// Transfer learning: the checkpoint whose tensors (matched by name and shape) start the
    /// network instead of the seeded initialisation; nil: start from scratch.
    public var initialWeights: String? = nil
    /// Start the network as the identity map (`PaperAutoencoder.startAsIdentity`; the autoencoder
    /// only) instead of its random initialisation; nil: off.
    public var identityStart: Bool? = nil
    /// Linear learning-rate warm-up over the run's first N steps (step t uses (t + 1)/N of the rate),
    /// e.g. so that Adam's first, sign-sized steps do not wreck a start from `initialWeights` or
    /// `identityStart`; nil: none.
    public var warmupSteps: Int? = nil
    /// Parameters whose names start with one of these prefixes are not updated for the first
    /// `freezeEpochs` epochs (e.g. layers brought by `initialWeights`); nil: none.
    public var freeze: [String]? = nil
    public var freezeEpochs: Int? = nil
    /// The adversarial option: the weight W of the least-squares GAN term `W · ½ mean (D(G(y)) − 1)²` added to the
    /// loss, with a `PatchDiscriminator` trained alongside (its weights and moments live in the resume file);
    /// nil: off (checkpoints from before the option decode as off).
    public var adversarial: Double? = nil

    public init(model: String) { self.model = model }

    /// The task, deblurring unless set.
    public var resolvedTask: NetworkTask { task ?? .deblur }
    /// The noise σ of the fixed validation patches.
    public var validationSigma: Double { resolvedTask == .denoise ? 25.0 / 255 : 0.01 }

    /// True when `other` describes the same run up to its stopping rule.
    public func isResumable(as other: TrainingConfiguration) -> Bool {
        differences(from: other).isEmpty
    }

    /// The options of `other` that differ from this configuration, besides the stopping rule
    /// (`epochs`, `minutes`) and how the run started (`initialWeights`, `identityStart`), as "name: old → new" lines in key order (field names as stored in
    /// checkpoints). Empty when `other` continues the same run.
    public func differences(from other: TrainingConfiguration) -> [String] {
        func fields(_ c: TrainingConfiguration) -> [String: String] {
            var c = c
            c.epochs = 0
            c.minutes = nil
            // How the run started is not an option of its continuation.
            c.initialWeights = nil
            c.identityStart = nil
            guard let data = try? JSONEncoder().encode(c),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            return object.mapValues { value in
                guard let d = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else { return "\(value)" }
                return String(decoding: d, as: UTF8.self)
            }
        }
        let a = fields(self), b = fields(other)
        return Set(a.keys).union(b.keys).sorted().compactMap { key in
            a[key] == b[key] ? nil : "\(key): \(a[key] ?? "unset") → \(b[key] ?? "unset")"
        }
    }
}

/// One invocation of `deblur train` that added epochs to a run: the ledger that lets a network be
/// trained for many hours over several machines and still say what it cost.
public struct TrainingSession: Codable, Sendable, Equatable {
    /// ISO 8601 start time.
    public var started: String
    /// The CPU (`CPUDescription.summary`) and OpenBLAS core, or "not recorded" for epochs trained
    /// before the ledger existed.
    public var machine: String
    /// Worker threads (`DEBLUR_THREADS`); 0 when not recorded.
    public var threads: Int
    public var firstEpoch: Int
    public var lastEpoch: Int
    public var steps: Int
    public var seconds: Double
    /// Options changed when this session resumed (`--allow-changes`), as "name: old → new".
    public var changes: [String]?

    public init(started: String, machine: String, threads: Int, firstEpoch: Int, lastEpoch: Int, steps: Int, seconds: Double,
                changes: [String]? = nil) {
        self.started = started
        self.machine = machine
        self.threads = threads
        self.firstEpoch = firstEpoch
        self.lastEpoch = lastEpoch
        self.steps = steps
        self.seconds = seconds
        self.changes = changes
    }
}

/// One epoch's record (a row of the curves CSV).
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationPSNR: Double
    public var validationSSIM: Double
    public var learningRate: Double
    public var seconds: Double
}

/// What `--resume` needs besides the weights and optimiser moments.
public struct TrainingState: Codable, Sendable, Equatable {
    public var configuration: TrainingConfiguration
    public var completedEpochs: Int = 0
    public var history: [EpochRecord] = []
    public var scheduler: ReduceLROnPlateau
    public var learningRate: Double
    public var bestPSNR: Double? = nil
    public var bestEpoch: Int? = nil
    /// Wall time of all invocations so far.
    public var seconds: Double = 0
    public var baselinePSNR: Double? = nil
    /// Training steps of all invocations so far (nil in states written before it was kept:
    /// `completedEpochs × stepsPerEpoch`).
    public var steps: Int? = nil
    /// Every invocation that trained, in order (nil in states written before the ledger).
    public var sessions: [TrainingSession]? = nil

    /// Steps so far.
    public var totalSteps: Int { steps ?? completedEpochs * configuration.stepsPerEpoch }
    /// Thread-seconds so far (wall time × worker threads of each session; sessions that did not
    /// record their threads count as one).
    public var coreSeconds: Double { (sessions ?? []).reduce(0) { $0 + $1.seconds * Double(max(1, $1.threads)) } }
}

public enum TrainingError: LocalizedError, Equatable {
    case invalidOption(String)
    case noTrainingData(String)
    case resumeMismatch(String)
    case noCheckpoint(String)

    public var errorDescription: String? {
        switch self {
        case let .invalidOption(s): return s
        case let .noTrainingData(s): return s
        case let .resumeMismatch(s): return s
        case let .noCheckpoint(s): return s
        }
    }
}
