import ImageCore
import NN
import Tensors

/// A ResNet-style deblurring network in the DeblurGAN generator's shape (Kupyn et al. 2018, after
/// Johnson et al. 2016) with additive skips as in ResUNet, scaled for a CPU:
///
///     head   3×3 conv 3→w, ReLU                                 (full resolution)
///     down   3×3 conv stride 2, w→2w, ReLU; 3×3 stride 2, 2w→4w, ReLU   (1/2, 1/4)
///     trunk  `blocks` residual blocks at 1/4: h + conv(ReLU(conv(h)))  (EDSR-style, no norm)
///     up     3×3 transposed stride 2, 4w→2w, ReLU (+ the 1/2 features); 4w... → w, ReLU (+ head)
///     tail   3×3 conv w→3;   global skip: x̂ = y + tail(…)
///
/// Inputs must be multiples of 4.
public final class ResNetDeblur: DeblurNetwork {
    public let width: Int, blocks: Int
    let head: Conv2d, down1: Conv2d, down2: Conv2d
    let trunk: [(Conv2d, Conv2d)]
    let up2: ConvTranspose2d, up1: ConvTranspose2d
    let tail: Conv2d

    public init(width: Int = 32, blocks: Int = 6, seed: UInt64) {
        self.width = width
        self.blocks = blocks
        var rng = SeededRNG(seed: seed)
        func conv(_ i: Int, _ o: Int, stride: Int = 1, _ act: Activation = .relu) -> Conv2d {
            Conv2d(inputChannels: i, outputChannels: o, kernelSize: 3, stride: stride, padding: 1, activation: act,
                   initializer: .heNormal, rng: &rng)
        }
        head = conv(3, width)
        down1 = conv(width, 2 * width, stride: 2)
        down2 = conv(2 * width, 4 * width, stride: 2)
        var t: [(Conv2d, Conv2d)] = []
        for _ in 0 ..< blocks { t.append((conv(4 * width, 4 * width), conv(4 * width, 4 * width, .identity))) }
        trunk = t
        // Residual branches start small (scaled ×0.1) so the trunk starts near the identity.
        for (_, b) in trunk { b.weight.value = Tensor(shape: b.weight.shape, scalars: b.weight.value.scalars.map { $0 * 0.1 }) }
        up2 = ConvTranspose2d(inputChannels: 4 * width, outputChannels: 2 * width, kernelSize: 3, stride: 2, padding: 1,
                              outputPadding: 1, activation: .relu, initializer: .heNormal, rng: &rng)
        up1 = ConvTranspose2d(inputChannels: 2 * width, outputChannels: width, kernelSize: 3, stride: 2, padding: 1,
                              outputPadding: 1, activation: .relu, initializer: .heNormal, rng: &rng)
        tail = conv(width, 3, .identity)
        tail.weight.value = Tensor(shape: tail.weight.shape, scalars: tail.weight.value.scalars.map { $0 * 0.1 })
    }

    public var architecture: String { "resnet" }
    public var configuration: [String: String] { ["width": String(width), "blocks": String(blocks)] }
    public var sizeMultiple: Int { 4 }
    /// head 1 + down 1 + 2 + trunk 2·blocks·4 + up 4 + 2 + tail 1, plus 3 px of stride alignment.
    public var receptiveRadius: Int { 14 + 8 * blocks }

    public var namedParameters: [(name: String, variable: Variable)] {
        var out = prefixed("head", head) + prefixed("down1", down1) + prefixed("down2", down2)
        for (i, b) in trunk.enumerated() { out += prefixed("trunk\(i).a", b.0) + prefixed("trunk\(i).b", b.1) }
        return out + prefixed("up2", up2) + prefixed("up1", up1) + prefixed("tail", tail)
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        let f0 = head(x)
        let f1 = down1(f0)
        var h = down2(f1)
        for (a, b) in trunk { h = h + b(a(h)) }
        h = up2(h) + f1
        h = up1(h) + f0
        return x + tail(h)
    }
}
