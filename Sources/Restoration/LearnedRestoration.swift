import Blur
import Datasets
import Foundation
import ImageCore
import Models

/// A trained network (the paper's autoencoder, the U-Net, the ResNet-style one), loaded once and run
/// at full resolution, tiled with overlap for large images. No PSF.
public struct LearnedRestoration: RestorationMethod, @unchecked Sendable {
    // Inference only reads the weights; concurrent calls are safe.
    public let network: any DeblurNetwork
    public let name: String
    public let weights: String
    public let tiling: TilingOptions
    /// How many of the image's orientations (`Image.orientations`) the restoration averages over; 1 = a single run.
    public let ensemble: Int
    /// The registry's default `ensemble`.
    public static let defaultEnsemble = 1
    /// The summary and the SHA-256 of the weights file.
    public let fingerprint: String

    static let labels = ["autoencoder": "Autoencoder (paper)", "unet": "U-Net", "resnet": "ResNet-style"]

    /// The registry entry of network `network` (one of `ModelRegistry.names`).
    static func entry(network: String) -> MethodEntry {
        let summary = ModelRegistry.entries.first { $0.name == network }?.summary ?? network
        return MethodEntry(
            name: network, label: labels[network] ?? network, family: .learned, needsPSF: false, help: summary,
            parameters: [
                MethodParameter("weights", label: "Checkpoint", help: "safetensors checkpoint", kind: .file,
                                automatic: "Baselines/models/\(network).safetensors"),
                MethodParameter("tile", label: "Tile", help: "images larger than this are restored in overlapping tiles",
                                kind: .integer(32 ... 8192), default: .integer(512)),
                MethodParameter("ensemble", label: "Self-ensemble",
                                help: "geometric self-ensemble: restore the image under this many of its 8 orientations "
                                    + "(1 none, 2 + mirror, 4 + every axis mirror, 8 + quarter turns), undo each and average (costs as many runs)",
                                kind: .integer(1 ... Image.orientations.count), default: .integer(defaultEnsemble)),
            ]) { values in
            let (net, _, url) = try Checkpoint.loadShipped(network, weights: values.text("weights"))
            return LearnedRestoration(name: network, network: net, weights: url.path,
                                      tiling: TilingOptions(tile: values.integer("tile") ?? 512),
                                      ensemble: values.integer("ensemble") ?? defaultEnsemble)
        }
    }

    public init(name: String, network: any DeblurNetwork, weights: String, tiling: TilingOptions = TilingOptions(),
                ensemble: Int = LearnedRestoration.defaultEnsemble) {
        precondition((1 ... Image.orientations.count).contains(ensemble), "ensemble \(ensemble) is outside 1…8")
        self.name = name
        self.network = network
        self.weights = weights
        self.tiling = tiling
        self.ensemble = ensemble
        fingerprint = Self.describe(network, weights, ensemble) + ", sha256 " + ((try? SHA256.hex(fileAt: weights)) ?? "unreadable")
    }

    public var family: MethodFamily { .learned }
    public var needsPSF: Bool { false }
    public var summary: String { Self.describe(network, weights, ensemble) }

    /// One run, or with `ensemble` > 1 the mean of the runs on the transformed images, each transformed
    /// back. Blur kernels of every orientation are in the training data, so a mirrored or transposed
    /// photograph is as likely an input as the original.
    public func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        try blurred.selfEnsemble(count: ensemble) { try Models.restore($0, with: network, tiling: tiling) }
    }

    private static func describe(_ network: any DeblurNetwork, _ weights: String, _ ensemble: Int) -> String {
        "\(network.architecture) (\(network.parameterCount) parameters), weights \(URL(fileURLWithPath: weights).lastPathComponent), full resolution"
            + (ensemble > 1 ? ", self-ensemble over \(ensemble) orientations" : "")
    }
}
