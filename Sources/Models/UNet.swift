import ImageCore
import NN
import Tensors

/// A U-Net (Ronneberger et al. 2015) for deblurring with a residual output, `x̂ = y + net(y)`:
/// the network only learns the correction, so an untrained one starts at the identity-ish map and
/// never has to reproduce the image through its bottleneck.
///
/// `levels` resolutions (default 4: full, 1/2, 1/4, 1/8) with `width · 2^level` channels; two 3×3
/// convolutions + ReLU per level, 2×2 max-pooling down, 2×2 stride-2 transposed convolutions up,
/// skip concatenation, a 1×1 output convolution. Inputs must be multiples of 2^(levels−1).
public final class UNet: DeblurNetwork {
    public let levels: Int, width: Int
    let encoders: [(Conv2d, Conv2d)]
    let bottom: (Conv2d, Conv2d)
    let ups: [ConvTranspose2d]
    let decoders: [(Conv2d, Conv2d)]
    let output: Conv2d

    public init(levels: Int = 4, width: Int = 24, seed: UInt64) {
        precondition(levels >= 2 && width >= 1, "UNet needs ≥ 2 levels and a positive width")
        self.levels = levels
        self.width = width
        var rng = SeededRNG(seed: seed)
        func conv(_ i: Int, _ o: Int) -> Conv2d {
            Conv2d(inputChannels: i, outputChannels: o, kernelSize: 3, padding: 1, activation: .relu, initializer: .heNormal, rng: &rng)
        }
        var enc: [(Conv2d, Conv2d)] = []
        var inC = 3
        for l in 0 ..< levels - 1 {
            let c = width << l
            enc.append((conv(inC, c), conv(c, c)))
            inC = c
        }
        encoders = enc
        let bc = width << (levels - 1)
        bottom = (conv(inC, bc), conv(bc, bc))
        var u: [ConvTranspose2d] = [], dec: [(Conv2d, Conv2d)] = []
        for l in stride(from: levels - 2, through: 0, by: -1) {
            let c = width << l
            u.append(ConvTranspose2d(inputChannels: c * 2, outputChannels: c, kernelSize: 2, stride: 2,
                                     initializer: .heNormal, rng: &rng))
            dec.append((conv(c * 2, c), conv(c, c)))
        }
        ups = u
        decoders = dec
        // Small initial correction: the residual network starts close to the identity.
        output = Conv2d(inputChannels: width, outputChannels: 3, kernelSize: 1, initializer: .glorotUniform, rng: &rng)
        output.weight.value = Tensor(shape: output.weight.shape, scalars: output.weight.value.scalars.map { $0 * 0.1 })
    }

    public var architecture: String { "unet" }
    public var configuration: [String: String] { ["levels": String(levels), "width": String(width)] }
    public var sizeMultiple: Int { 1 << (levels - 1) }
    /// Two 3×3 convolutions per level on the way down and up (2·2^l px at level l), the bottom pair
    /// (2·2^(L−1)), plus pooling alignment (2^(L−1) − 1).
    public var receptiveRadius: Int {
        let down = (0 ..< levels - 1).reduce(0) { $0 + 2 << $1 }
        return 2 * down + (2 << (levels - 1)) + (1 << (levels - 1))
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        var out: [(name: String, variable: Variable)] = []
        for (l, e) in encoders.enumerated() { out += prefixed("enc\(l).a", e.0) + prefixed("enc\(l).b", e.1) }
        out += prefixed("bottom.a", bottom.0) + prefixed("bottom.b", bottom.1)
        for (i, (u, d)) in zip(ups, decoders).enumerated() {
            out += prefixed("up\(i)", u) + prefixed("dec\(i).a", d.0) + prefixed("dec\(i).b", d.1)
        }
        return out + prefixed("out", output)
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        var skips: [Variable] = []
        var h = x
        for e in encoders {
            h = e.1(e.0(h))
            skips.append(h)
            h = maxPool2d(h, kernelSize: 2)
        }
        h = bottom.1(bottom.0(h))
        for (u, d) in zip(ups, decoders) {
            h = d.1(d.0(concatChannels([u(h), skips.removeLast()])))
        }
        return x + output(h)
    }
}
