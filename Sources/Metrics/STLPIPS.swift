import Foundation
import ImageCore
import Tensors

/// ST-LPIPS (alex): the shift-tolerant learned perceptual image patch similarity of Ghildyal & Liu
/// (2022) — an LPIPS-style distance whose AlexNet-shaped trunk, with blur-pooling, was trained from
/// scratch on BAPPS so that one-pixel shifts barely change it. Lower is more similar; 0 for
/// identical images. Weights: PyPI `stlpips-pytorch` 0.0.2 (`alex_shift_tolerant.pth`, BSD-2),
/// converted by `scripts/fetch-weights.sh`. The forward pass is `STLPIPSNetwork`.
///
///     d(x, y) = Σ_k mean_hw Σ_c w_kc (f̂ᵏ(x) − f̂ᵏ(y))²_c,   f̂ = f / (‖f‖_channels + 1e−10)
///
/// Inputs in [0, dataRange] are mapped to [−1, 1]; gray images are repeated into three channels.
/// Always reported as "ST-LPIPS (alex)", never as LPIPS: the numbers differ from the original LPIPS.
///
/// [1] A. Ghildyal, F. Liu, "Shift-tolerant Perceptual Similarity Metric", ECCV 2022.
/// [2] R. Zhang et al., "The Unreasonable Effectiveness of Deep Features as a Perceptual Metric", CVPR 2018.
public struct STLPIPS: Metric {
    public let id = "st_lpips"
    public let displayName = "ST-LPIPS (alex)"
    public let higherIsBetter = false
    /// Peak-to-peak range of valid values (1.0 for float images).
    public let dataRange: Double
    /// The weights file in use.
    public var weightsPath: String { network.path }
    private let network: STLPIPSNetwork

    /// Loads the weights (once per process and file; later calls reuse them).
    /// - Parameters:
    ///   - weightsPath: the safetensors file; nil uses `STLPIPS.defaultWeightsPath()`.
    ///   - dataRange: peak-to-peak range of valid values.
    /// - Throws: `MetricsError.weightsMissing` (with the command that fetches them) or `.weightsInvalid`.
    public init(weightsPath: String? = nil, dataRange: Double = 1.0) throws {
        precondition(dataRange > 0 && dataRange.isFinite, "ST-LPIPS data range must be positive and finite, got \(dataRange)")
        self.network = try STLPIPSCache.shared.network(at: weightsPath ?? STLPIPS.defaultWeightsPath())
        self.dataRange = dataRange
    }

    public var description: String {
        "ST-LPIPS (alex) (Ghildyal & Liu 2022 shift-tolerant LPIPS v0.1: AlexNet-shaped trunk with blur-pool trained from scratch on BAPPS, weights stlpips-pytorch 0.0.2 alex_shift_tolerant; inputs mapped from [0, \(formatNumber(dataRange))] to [−1, 1], gray repeated to RGB; lower is better)"
    }

    /// The smallest image side the network accepts (21 pixels).
    public static var minimumSide: Int { STLPIPSNetwork.minimumSide }

    /// Where the weights are looked for: `$DEBLUR_STLPIPS_WEIGHTS`, else
    /// `Data/weights/st-lpips-alex.safetensors` in the current directory or in the nearest ancestor of
    /// the executable that has one; else the current-directory path (which then reports as missing).
    public static func defaultWeightsPath() -> String {
        if let path = ProcessInfo.processInfo.environment["DEBLUR_STLPIPS_WEIGHTS"], !path.isEmpty { return path }
        return ProjectFiles.locate("Data/weights/st-lpips-alex.safetensors").path
    }

    public func score(reference: Image, test: Image) throws -> Double {
        try layerDistances(reference: reference, test: test).reduce(0, +)
    }

    /// The five per-layer terms whose sum is the score (relu1 … relu5).
    /// - Throws: `MetricsError` for mismatched, non-finite, non-gray/RGB or too small images.
    public func layerDistances(reference: Image, test: Image) throws -> [Double] {
        try validatePair(reference, test, metric: displayName, minimumSide: STLPIPS.minimumSide,
                         reason: "the network's three stride-2 blur-pool stages need at least this much input")
        guard reference.channels == 1 || reference.channels == 3 else {
            throw MetricsError.unsupportedChannels(metric: displayName, channels: reference.channels, expected: "1 (gray) or 3 (RGB)")
        }
        var r = try reference.rgb(), t = try test.rgb()
        if dataRange != 1 {
            let s = Float(1 / dataRange)
            for i in r.pixels.indices { r.pixels[i] *= s; t.pixels[i] *= s }
        }
        let features = network.features(Tensor(stacking: [r, t]))
        return network.layerDistances(features)
    }
}

/// Loaded networks by file path, so repeated `STLPIPS()` calls share one copy of the weights.
final class STLPIPSCache: Sendable {
    static let shared = STLPIPSCache()
    private let lock = NSLock()
    nonisolated(unsafe) private var networks: [String: STLPIPSNetwork] = [:]

    func network(at path: String) throws -> STLPIPSNetwork {
        lock.lock()
        defer { lock.unlock() }
        if let cached = networks[path] { return cached }
        let network = try STLPIPSNetwork(path: path)
        networks[path] = network
        return network
    }
}
