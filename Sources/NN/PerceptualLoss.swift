import Foundation
import Tensors

/// A perceptual loss: the ST-LPIPS (alex) distance (Ghildyal & Liu 2022, shift-tolerant LPIPS v0.1) between
/// the prediction and the target, differentiable in the prediction — the feature distances of the
/// project's own pretrained perceptual network, the one the `st_lpips` metric scores with.
///
/// Why this network and not VGG (the usual "perceptual loss", Johnson et al. 2016): its weights are
/// already in the project (fetched with the metric's, `Data/weights/st-lpips-alex.safetensors`, 9.8 MB
/// against VGG-16's 528 MB), it was trained on human judgements of exactly the distortions restoration
/// makes (BAPPS), and its blur-pooled layers make it tolerant of the sub-pixel shifts a deblurring
/// network's output can have, which a plain VGG distance punishes.
///
///     x ∈ [0, 1] → (2x − 1 − shift) / scale                      (a fixed 1×1 convolution)
///     relu1 = ReLU(blur(conv11×11(3→64, pad 2)))
///     relu2 = ReLU(conv5×5(64→192, pad 2)(blur(maxpool3/1(relu1))))
///     relu3 = ReLU(conv3×3(192→384, pad 1)(blur(maxpool3/1(relu2))))
///     relu4, relu5 = ReLU(conv3×3(…, pad 1))
///     blur = reflection pad 2, depthwise [1,2,1]⊗[1,2,1]/16 with stride 2 (a grouped convolution)
///     loss = mean over images of Σ_layers mean_positions Σ_c w_c (f̂ − t̂)²,  f̂ = f / (‖f‖_channels + 10⁻¹⁰)
///
/// The trunk's weights are constants (never trained here). The target's features are computed
/// without a tape.
public final class PerceptualLoss: @unchecked Sendable {
    let affine: (weight: Tensor, bias: Tensor)
    let convolutions: [(weight: Tensor, bias: Tensor)]
    let linear: [[Float]]
    let blurFilters: [Int: Tensor]

    public static let channels = [64, 192, 384, 256, 256]

    /// - Throws: `TensorsError` when the file is missing or lacks a tensor of the expected shape.
    public convenience init(weightsAt url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        let shift = try file.tensor(named: "scaling_layer.shift", shape: [1, 3, 1, 1]).scalars
        let scale = try file.tensor(named: "scaling_layer.scale", shape: [1, 3, 1, 1]).scalars
        let convs: [(String, [Int])] = [
            ("net.slice1.0", [64, 3, 11, 11]), ("net.slice2.5", [192, 64, 5, 5]), ("net.slice3.9", [384, 192, 3, 3]),
            ("net.slice4.11", [256, 384, 3, 3]), ("net.slice5.13", [256, 256, 3, 3]),
        ]
        let loaded = try convs.map { name, shape in
            (try file.tensor(named: name + ".weight", shape: shape), try file.tensor(named: name + ".bias", shape: [shape[0]]))
        }
        let heads = try Self.channels.enumerated().map { k, c in try file.tensor(named: "lin\(k).model.1.weight", shape: [1, c, 1, 1]).scalars }
        self.init(shift: shift, scale: scale, convolutions: loaded, linear: heads)
    }

    /// From tensors directly (tests use random ones of the same shapes).
    public init(shift: [Float], scale: [Float], convolutions: [(weight: Tensor, bias: Tensor)], linear: [[Float]]) {
        var w = [Float](repeating: 0, count: 9), b = [Float](repeating: 0, count: 3)
        for c in 0 ..< 3 {
            w[c * 3 + c] = 2 / scale[c]
            b[c] = -(1 + shift[c]) / scale[c]
        }
        affine = (Tensor(shape: [3, 3, 1, 1], scalars: w), Tensor(shape: [3], scalars: b))
        self.convolutions = convolutions
        self.linear = linear
        let binomial: [Float] = [1, 2, 1, 2, 4, 2, 1, 2, 1].map { $0 / 16 }
        var filters: [Int: Tensor] = [:]
        for c in Set(Self.channels) { filters[c] = Tensor(shape: [c, 1, 3, 3], scalars: (0 ..< c).flatMap { _ in binomial }) }
        blurFilters = filters
    }

    /// The smallest side the trunk takes (three stride-2 stages and their reflection pads).
    public static let minimumSide = 21

    func blur(_ x: Variable) -> Variable {
        let c = x.shape[1]
        return conv2d(pad2d(x, top: 2, bottom: 2, left: 2, right: 2, mode: .reflect), weight: x.constant(blurFilters[c]!), bias: nil,
                      stride: 2, groups: c)
    }

    /// The five ReLU feature maps of a batch (N, 3, H, W) in [0, 1].
    public func features(_ x: Variable) -> [Variable] {
        func k(_ t: Tensor) -> Variable { x.constant(t) }
        let scaled = conv2d(x, weight: k(affine.weight), bias: k(affine.bias))
        let c = convolutions
        let relu1 = relu(blur(conv2d(scaled, weight: k(c[0].weight), bias: k(c[0].bias), padding: 2)))
        let relu2 = conv2d(blur(maxPool2d(relu1, kernelSize: 3, stride: 1)), weight: k(c[1].weight), bias: k(c[1].bias), padding: 2, activation: .relu)
        let relu3 = conv2d(blur(maxPool2d(relu2, kernelSize: 3, stride: 1)), weight: k(c[2].weight), bias: k(c[2].bias), padding: 1, activation: .relu)
        let relu4 = conv2d(relu3, weight: k(c[3].weight), bias: k(c[3].bias), padding: 1, activation: .relu)
        let relu5 = conv2d(relu4, weight: k(c[4].weight), bias: k(c[4].bias), padding: 1, activation: .relu)
        return [relu1, relu2, relu3, relu4, relu5]
    }

    /// The loss of `prediction` (N, 3, H, W) against the constant `target` of the same shape (shape [1]).
    public func callAsFunction(_ prediction: Variable, target: Tensor) -> Variable {
        precondition(prediction.shape == target.shape && prediction.shape.count == 4 && prediction.shape[1] == 3,
                     "PerceptualLoss: prediction \(prediction.shape) and target \(target.shape) must be the same (N, 3, H, W)")
        precondition(min(target.shape[2], target.shape[3]) >= Self.minimumSide, "PerceptualLoss needs images of at least \(Self.minimumSide) px")
        let targetFeatures = features(Variable(target)).map(\.value)
        let predicted = features(prediction)
        var total: Variable?
        for (k, f) in predicted.enumerated() {
            let d = normalizedFeatureDistance(f, target: targetFeatures[k], weights: linear[k])
            total = total.map { $0 + d } ?? d
        }
        return total!
    }
}

/// `mean over images and positions of Σ_c w_c (f̂ − t̂)²` with `f̂ = f / (‖f‖_c + 10⁻¹⁰)` (the channel norm at each
/// position), differentiable in `f`: with n = ‖f‖ + ε and g = 2 w ⊙ (f̂ − t̂) / (N·P),
/// ∂/∂f = g / n − f (fᵀg) / (n² ‖f‖).
func normalizedFeatureDistance(_ f: Variable, target: Tensor, weights: [Float]) -> Variable {
    let s = f.shape
    precondition(s == target.shape && s[1] == weights.count, "feature shapes \(s) / \(target.shape) and \(weights.count) weights differ")
    let (batch, channels, plane) = (s[0], s[1], s[2] * s[3])
    let fv = f.value
    func norms(_ p: UnsafePointer<Float>) -> [Float] {
        var out = [Float](repeating: 0, count: batch * plane)
        for n in 0 ..< batch {
            for c in 0 ..< channels {
                let row = p + (n * channels + c) * plane
                for i in 0 ..< plane { out[n * plane + i] += row[i] * row[i] }
            }
        }
        return out.map { $0.squareRoot() }
    }
    var fNorm: [Float] = [], tNorm: [Float] = []
    var total = 0.0
    withExtendedLifetime((fv, target)) {
        let fp = fv.unsafePointer, tp = target.unsafePointer
        fNorm = norms(fp); tNorm = norms(tp)
        for n in 0 ..< batch {
            for c in 0 ..< channels {
                let w = Double(weights[c]), base = (n * channels + c) * plane
                for i in 0 ..< plane {
                    let d = Double(fp[base + i] / (fNorm[n * plane + i] + 1e-10) - tp[base + i] / (tNorm[n * plane + i] + 1e-10))
                    total += w * d * d
                }
            }
        }
    }
    let count = Float(batch * plane)
    return makeResult(Tensor(shape: [1], scalars: [Float(total / Double(batch * plane))]), [f]) { out in
        let seed = out.grad![0] / count
        let fv = f.value
        f.withGradBuffer { gradient, accumulate in
            withExtendedLifetime((fv, target)) {
                let fp = fv.unsafePointer, tp = target.unsafePointer
                var g = [Float](repeating: 0, count: channels)
                for n in 0 ..< batch {
                    for i in 0 ..< plane {
                        let norm = fNorm[n * plane + i], denominator = norm + 1e-10, tDenominator = tNorm[n * plane + i] + 1e-10
                        var dot: Float = 0
                        for c in 0 ..< channels {
                            let k = (n * channels + c) * plane + i
                            g[c] = seed * 2 * weights[c] * (fp[k] / denominator - tp[k] / tDenominator)
                            dot += fp[k] * g[c]
                        }
                        let correction: Float = norm > 0 ? dot / (denominator * denominator * norm) : 0
                        for c in 0 ..< channels {
                            let k = (n * channels + c) * plane + i
                            let value = g[c] / denominator - fp[k] * correction
                            if accumulate { gradient[k] += value } else { gradient[k] = value }
                        }
                    }
                }
            }
        }
    }
}
