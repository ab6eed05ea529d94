import Foundation
import ImageCore
import NN
import Tensors

/// The PatchGAN discriminator of the adversarial option (`--adversarial W`; Isola et al. 2017, as in
/// DeblurGAN, Kupyn et al. 2018): four 4×4 convolutions, strides 2, 2, 1, 1, leaky ReLU (0.2) between
/// them, no normalisation — each output value scores one ≈ 34 px patch of the input as real or restored.
public final class PatchDiscriminator: Layer {
    public let body: Sequential

    public init(width: Int = 32, seed: UInt64) {
        var rng = SeededRNG(seed: seed, stream: 0x4449_5343)   // "DISC"
        let leaky = Activation.leakyRelu(slope: 0.2)
        body = Sequential([
            Conv2d(inputChannels: 3, outputChannels: width, kernelSize: 4, stride: 2, padding: 1, activation: leaky, rng: &rng),
            Conv2d(inputChannels: width, outputChannels: 2 * width, kernelSize: 4, stride: 2, padding: 1, activation: leaky, rng: &rng),
            Conv2d(inputChannels: 2 * width, outputChannels: 4 * width, kernelSize: 4, stride: 1, padding: 1, activation: leaky, rng: &rng),
            Conv2d(inputChannels: 4 * width, outputChannels: 1, kernelSize: 4, stride: 1, padding: 1, rng: &rng),
        ])
    }

    public var namedParameters: [(name: String, variable: Variable)] { prefixed("body", body) }

    public func callAsFunction(_ x: Variable) -> Variable { body(x) }
}

/// Least-squares GAN (Mao et al. 2017): `½ mean (D − label)²` over the patch scores.
public func leastSquaresGANLoss(_ scores: Variable, label: Float) -> Variable {
    0.5 * mseLoss(scores, target: Tensor(shape: scores.shape, repeating: label))
}

/// One discriminator update on a batch of real (sharp) and restored images: loss
/// `½ mean (D(real) − 1)² + ½ mean D(restored)²`, one step of `optimizer`. Returns the loss before the step.
@discardableResult
public func discriminatorStep(_ discriminator: PatchDiscriminator, optimizer: AdamBase, real: Tensor, restored: Tensor) -> Float {
    optimizer.zeroGrad()
    let tape = Tape()
    let loss = leastSquaresGANLoss(discriminator(tape.input(real)), label: 1) + leastSquaresGANLoss(discriminator(tape.input(restored)), label: 0)
    tape.backward(from: loss)
    optimizer.step()
    return loss.value[0]
}
