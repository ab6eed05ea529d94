import Foundation
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
/// bottleneck (whose 256 channels could hold all 3·8·8 pixel values — `startAsIdentity` builds that
/// copy — but training from random weights does not find it), which is why it restores less than the
/// U-Net; its output is bounded by the sigmoid to (0, 1). Inputs must be multiples of 8. `width` (default 64, the paper's) scales
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

extension PaperAutoencoder {
    /// Knots of the piecewise-linear logit that `startAsIdentity` builds (ReLU channels of the last
    /// transposed layer per colour).
    public static let identityKnots = 10

    /// Rewrites the freshly drawn weights so that the network starts as the identity map (to about
    /// 52 dB on a photograph, within 0.01 anywhere in [0, 1]) instead of a random function, with the architecture unchanged.
    ///
    /// The 1/8-resolution bottleneck does not force the detail loss it is blamed for: 4·width ≥ 192 =
    /// 3·8·8 channels can hold every pixel. So the first channels of each strided convolution are a
    /// space-to-depth copy (channel 4c + 2dy + dx ← channel c at offset (dy, dx), the taps at (1+dy, 1+dx)
    /// of the 3×3 kernel), 3 → 12 → 48 → 192, and each transposed layer's first channels the inverse
    /// depth-to-space, 192 → 48 → 12 → 3; inputs are ≥ 0, so the ReLUs pass them unchanged. The
    /// sigmoid output needs logit(x): the last transposed layer also makes `identityKnots` channels
    /// ReLU(x − tₖ) per colour (tₖ = sigmoid of points evenly spaced over [−4, 4]) and the output
    /// layer's centre tap sums them with weighted least-squares coefficients (weights x(1 − x), the
    /// sigmoid's slope: the error counted where it shows). Every other channel keeps its random
    /// weights, except that copy and knot channels read nothing else and the output layer reads
    /// nothing else: the network is exactly the copy until training moves those zeros.
    /// - Throws: `ModelError.invalidConfiguration` when the width is below 48 (the bottleneck must
    ///   hold 192 channels) or the last layer has no room for the knots (width ≥ 3 + 3·knots).
    public func startAsIdentity() throws {
        let knots = Self.identityKnots
        guard 4 * width >= 192, width >= 3 + 3 * knots else {
            throw ModelError.invalidConfiguration("an identity start needs width ≥ \(max(48, 3 + 3 * knots)) (the 1/8 bottleneck must hold 3·8·8 channels), got \(width)")
        }
        let convolutions = layers.layers.compactMap { $0 as? Conv2d }
        let transposed = layers.layers.compactMap { $0 as? ConvTranspose2d }
        precondition(convolutions.count == 4 && transposed.count == 3)
        let copies = [3, 12, 48, 192]
        // Encoder: weight (out, in, 3, 3).
        for (level, conv) in convolutions.prefix(3).enumerated() {
            let (from, to) = (copies[level], copies[level + 1])
            let inputs = conv.weight.value.shape[1]
            conv.weight.value.withUnsafeMutableBufferPointer { w in
                for o in 0 ..< to { for i in 0 ..< inputs { for t in 0 ..< 9 { w[(o * inputs + i) * 9 + t] = 0 } } }
                for c in 0 ..< from { for dy in 0 ..< 2 { for dx in 0 ..< 2 {
                    w[((4 * c + 2 * dy + dx) * inputs + c) * 9 + (1 + dy) * 3 + 1 + dx] = 1
                } } }
            }
            conv.bias?.value.withUnsafeMutableBufferPointer { b in for o in 0 ..< to { b[o] = 0 } }
        }
        // Decoder: weight (in, out, 3, 3); output (2i + dy, 2j + dx) takes tap (1 + dy, 1 + dx) of input (i, j).
        let u = (0 ..< knots).map { -4 + 8 * Double($0) / Double(knots - 1) }
        let t = u.map { 1 / (1 + exp(-$0)) }
        for (level, layer) in transposed.enumerated() {
            let to = copies[2 - level]
            let outputs = layer.weight.value.shape[1], inputs = layer.weight.value.shape[0]
            let last = level == 2
            let made = last ? to + to * knots : to
            layer.weight.value.withUnsafeMutableBufferPointer { w in
                for i in 0 ..< inputs { for o in 0 ..< made { for k in 0 ..< 9 { w[(i * outputs + o) * 9 + k] = 0 } } }
                for c in 0 ..< to { for dy in 0 ..< 2 { for dx in 0 ..< 2 {
                    let i = 4 * c + 2 * dy + dx, tap = (1 + dy) * 3 + 1 + dx
                    w[(i * outputs + c) * 9 + tap] = 1
                    if last { for k in 0 ..< knots { w[(i * outputs + to + c * knots + k) * 9 + tap] = 1 } }
                } } }
            }
            layer.bias?.value.withUnsafeMutableBufferPointer { b in
                for o in 0 ..< made { b[o] = 0 }
                if last { for c in 0 ..< 3 { for k in 0 ..< knots { b[3 + c * knots + k] = Float(-t[k]) } } }
            }
        }
        // Output layer: z = a + b·x + Σₖ cₖ·ReLU(x − tₖ) ≈ logit(x), so that sigmoid(z) ≈ x.
        let coefficients = Self.logitFit(knots: t)
        let output = convolutions[3]
        let inputs = output.weight.value.shape[1]
        output.weight.value.withUnsafeMutableBufferPointer { w in
            for k in 0 ..< w.count { w[k] = 0 }
            for c in 0 ..< 3 {
                w[(c * inputs + c) * 9 + 4] = Float(coefficients[1])
                for k in 0 ..< knots { w[(c * inputs + 3 + c * knots + k) * 9 + 4] = Float(coefficients[2 + k]) }
            }
        }
        output.bias?.value.withUnsafeMutableBufferPointer { b in for c in 0 ..< 3 { b[c] = Float(coefficients[0]) } }
    }

    /// Weighted least-squares coefficients (a, b, c₀ … c_{K−1}) of a + b·x + Σ cₖ·ReLU(x − tₖ) against
    /// logit(x) on 2001 points of [0, 1] (x clamped to [1e-4, 1 − 1e-4]), weighted by max(x(1 − x), 1e-3).
    static func logitFit(knots t: [Double]) -> [Double] {
        let xs = (0 ... 2000).map { Double($0) / 2000 }
        let columns = [xs.map { _ in 1 }, xs] + t.map { knot in xs.map { max($0 - knot, 0) } }
        let targets = xs.map { x in let xc = min(max(x, 1e-4), 1 - 1e-4); return log(xc / (1 - xc)) }
        let weights = xs.map { x in let w = max(x * (1 - x), 1e-3); return w * w }   // squared residual weights
        guard let coefficients = leastSquares(columns: columns, target: targets, weights: weights) else {
            preconditionFailure("logitFit: the knots \(t) make the fit singular")
        }
        return coefficients
    }
}
