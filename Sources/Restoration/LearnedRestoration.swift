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
            ]) { values in
            let (net, _, url) = try Checkpoint.loadShipped(network, weights: values.text("weights"))
            return LearnedRestoration(name: network, network: net, weights: url.path,
                                      tiling: TilingOptions(tile: values.integer("tile") ?? 512))
        }
    }

    public init(name: String, network: any DeblurNetwork, weights: String, tiling: TilingOptions = TilingOptions()) {
        self.name = name
        self.network = network
        self.weights = weights
        self.tiling = tiling
        fingerprint = Self.describe(network, weights) + ", sha256 " + ((try? SHA256.hex(fileAt: weights)) ?? "unreadable")
    }

    public var family: MethodFamily { .learned }
    public var needsPSF: Bool { false }
    public var summary: String { Self.describe(network, weights) }

    public func restore(_ blurred: Image, psf: PSF?) throws -> Image { try Models.restore(blurred, with: network, tiling: tiling) }

    private static func describe(_ network: any DeblurNetwork, _ weights: String) -> String {
        "\(network.architecture) (\(network.parameterCount) parameters), weights \(URL(fileURLWithPath: weights).lastPathComponent), full resolution"
    }
}
