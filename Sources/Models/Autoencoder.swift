import ImageCore
import NN
import Tensors

/// The paper's convolutional autoencoder ("Convolutional Deblurring of Natural Imaging"), as Keras
/// would build it, with PyTorch-style parameter names:
///
///     Conv2D(64, 3, strides 2, ReLU, same) → Conv2D(128, 3, s2, ReLU) → Conv2D(256, 3, s2, ReLU)
///     → Conv2DTranspose(256, 3, s2, ReLU, same) → Conv2DTranspose(128, …) → Conv2DTranspose(64, …)
///     → Conv2D(3, 3, same, sigmoid)
///
/// 1,331,459 parameters. There is no skip connection: every detail must pass the 1/8-resolution
/// bottleneck, which is why it restores less than the U-Net (and why its output is bounded by the
/// sigmoid to (0, 1)). Inputs must be multiples of 8. `width` (default 64, the paper's) scales
/// the channel counts w-2w-4w; tests use a narrow one.
public final class PaperAutoencoder: DeblurNetwork {
    public let layers: Sequential
    public let width: Int

    public init(width w: Int = 64, seed: UInt64) {
        width = w
        var rng = SeededRNG(seed: seed)
        let i = Initializer.glorotUniform   // Keras' default
        layers = Sequential([
            Conv2d(inputChannels: 3, outputChannels: w, kernelSize: 3, stride: 2, padding: 1, activation: .relu, initializer: i, rng: &rng),
            Conv2d(inputChannels: w, outputChannels: 2 * w, kernelSize: 3, stride: 2, padding: 1, activation: .relu, initializer: i, rng: &rng),
            Conv2d(inputChannels: 2 * w, outputChannels: 4 * w, kernelSize: 3, stride: 2, padding: 1, activation: .relu, initializer: i, rng: &rng),
            ConvTranspose2d(inputChannels: 4 * w, outputChannels: 4 * w, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, activation: .relu, initializer: i, rng: &rng),
            ConvTranspose2d(inputChannels: 4 * w, outputChannels: 2 * w, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, activation: .relu, initializer: i, rng: &rng),
            ConvTranspose2d(inputChannels: 2 * w, outputChannels: w, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, activation: .relu, initializer: i, rng: &rng),
            Conv2d(inputChannels: w, outputChannels: 3, kernelSize: 3, padding: 1, activation: .sigmoid, initializer: i, rng: &rng),
        ])
    }

    public var architecture: String { "autoencoder" }
    public var configuration: [String: String] { width == 64 ? [:] : ["width": String(width)] }
    public var sizeMultiple: Int { 8 }
    /// 1 + 2 + 4 (strided convolutions) + 8 + 4 + 2 (transposed, at 1/8, 1/4, 1/2) + 1 (output) = 22,
    /// plus up to 7 px of stride alignment.
    public var receptiveRadius: Int { 29 }

    public var namedParameters: [(name: String, variable: Variable)] { layers.namedParameters }
    public func callAsFunction(_ x: Variable) -> Variable { layers(x) }
}
