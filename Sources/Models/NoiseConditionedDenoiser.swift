import Foundation
import ImageCore
import NN
import Tensors

/// Our own noise-conditioned denoiser (`denoiser`), the learned prior trained here by
/// `deblur train --task denoise`: FFDNet's layout (Zhang, Zuo & Zhang 2018) at IRCNN/DnCNN size,
/// without batch norm, trained from scratch on the training split's photographs and dead-leaves scenes.
///
///     input  (N, C + 1, H, W): the noisy image y (C channels), then the noise-level map σ·1;  H, W even
///     h      = ReLU(conv3×3(concat(σ·1 at H/2 × W/2, pixel_unshuffle_2(y)) → F))
///     h      = ReLU(conv3×3(h → F))                                  × (L − 2)
///     n̂      = pixel_shuffle_2(conv3×3(h → 4C))                      the predicted noise
///     x̂      = y − n̂                                                (not clipped)
///     defaults C = 3, F = 64, L = 10: 309,900 parameters
///
/// Working at half resolution (the 2×2 unshuffle) makes a pass ≈ 4× cheaper than DnCNN's
/// full-resolution layers at the same receptive field, which matters inside an 8-iteration
/// plug-and-play loop. The residual form (predict the noise, subtract it) is DnCNN's (Zhang et al.
/// 2017). The input is a constant of the graph: gradients flow to the weights only.
public final class NoiseConditionedDenoiser: DeblurNetwork {
    public let channels: Int, width: Int, layers: Int
    let convolutions: [Conv2d]

    public init(channels: Int = 3, width: Int = 64, layers: Int = 10, seed: UInt64) {
        self.channels = channels
        self.width = width
        self.layers = max(layers, 2)
        var rng = SeededRNG(seed: seed)
        var convs: [Conv2d] = []
        for i in 0 ..< self.layers {
            let inputs = i == 0 ? 4 * channels + 1 : width
            let last = i == self.layers - 1
            convs.append(Conv2d(inputChannels: inputs, outputChannels: last ? 4 * channels : width, kernelSize: 3, padding: 1,
                                activation: last ? .identity : .relu, initializer: .heNormal, rng: &rng))
        }
        // The noise estimate starts small, so training starts near the identity.
        let tail = convs[convs.count - 1]
        tail.weight.value = Tensor(shape: tail.weight.shape, scalars: tail.weight.value.scalars.map { $0 * 0.1 })
        convolutions = convs
    }

    public var architecture: String { "denoiser" }
    public var configuration: [String: String] {
        ["channels": String(channels), "width": String(width), "layers": String(layers)]
    }
    public var sizeMultiple: Int { 2 }
    /// L half-resolution layers of radius 1, plus the unshuffle's one pixel.
    public var receptiveRadius: Int { 2 * layers + 1 }

    public var namedParameters: [(name: String, variable: Variable)] {
        convolutions.enumerated().flatMap { prefixed("conv\($0.offset)", $0.element) }
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        let s = x.shape
        precondition(s.count == 4 && s[1] == channels + 1 && s[2] % 2 == 0 && s[3] % 2 == 0,
                     "denoiser input must be (N, \(channels + 1), even H, even W): the image, then the σ map; got \(s)")
        let (input, noisy) = NoiseConditionedDenoiser.halfResolutionInput(x.value, channels: channels)
        var h = x.constant(input)
        for conv in convolutions { h = conv(h) }
        return x.constant(noisy) - pixelShuffle(h, factor: 2)
    }

    /// Splits `(N, C + 1, H, W)` into the stack's input `(N, 1 + 4C, H/2, W/2)` (σ map subsampled,
    /// then the unshuffled image, channel 4c + 2i + j = pixels (2y + i, 2x + j) of channel c) and
    /// the noisy image `(N, C, H, W)`.
    static func halfResolutionInput(_ x: Tensor, channels c: Int) -> (input: Tensor, noisy: Tensor) {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3], h2 = h / 2, w2 = w / 2
        var input = Tensor.uninitialized(shape: [n, 1 + 4 * c, h2, w2])
        var noisy = Tensor.uninitialized(shape: [n, c, h, w])
        x.withUnsafeBufferPointer { src in
            input.withUnsafeMutableBufferPointer { dst in
                noisy.withUnsafeMutableBufferPointer { y in
                    for b in 0 ..< n {
                        let xb = src.baseAddress! + b * (c + 1) * h * w
                        y.baseAddress!.advanced(by: b * c * h * w).update(from: xb, count: c * h * w)
                        let ib = dst.baseAddress! + b * (1 + 4 * c) * h2 * w2
                        let sigma = xb + c * h * w
                        for yy in 0 ..< h2 { for xx in 0 ..< w2 { ib[yy * w2 + xx] = sigma[2 * yy * w + 2 * xx] } }
                        pixelShuffle(input: xb, output: ib + h2 * w2, batch: 1, channels: c, height: h2, width: w2,
                                     factor: 2, inverse: true)
                    }
                }
            }
        }
        return (input, noisy)
    }

    /// The network input for one image: `noisy` (C channels, even size) and the σ map.
    public static func input(_ noisy: Image, sigma: Float) -> Tensor {
        Tensor(image: noisy.withNoiseMap(sigma: sigma))
    }
}

extension Image {
    /// The image with one more channel holding `sigma` everywhere: the input layout of `denoiser`.
    public func withNoiseMap(sigma: Float) -> Image {
        Image(channels: channels + 1, height: height, width: width, pixels: pixels + [Float](repeating: sigma, count: planeSize))
    }
}

/// The shipped `denoiser` network as a `Denoiser` (`Baselines/models/denoiser.safetensors`).
/// Gray images are replicated to the network's three channels and the outputs averaged back, as
/// `restore(_:with:)` does for the deblurring networks; odd sizes are reflect-padded by one
/// row / column and cropped back.
public struct TrainedDenoiser: Denoiser, @unchecked Sendable {
    let network: NoiseConditionedDenoiser
    public let channels: Int
    public var name: String { "denoiser" }
    /// 50/255, the top of the σ range of `deblur train --task denoise`.
    public var maximumSigma: Float { Float(DenoisingPrior.denoiser.maximumSigma255) / 255 }

    /// The shipped checkpoint: the first of `Checkpoint.defaultLocations(for: "denoiser")` that exists,
    /// else the first location (which then reports as missing).
    public static var defaultWeightsURL: URL {
        let locations = Checkpoint.defaultLocations(for: "denoiser")
        return locations.first { FileManager.default.fileExists(atPath: $0.path) } ?? locations[0]
    }

    /// - Throws: `DenoiserError.unsupportedChannels`, `.weightsMissing` (with the command that trains
    ///   them), `.wrongArchitecture`, `.weightsInvalid`.
    public init(channels: Int, weights: URL? = nil) throws {
        guard channels == 1 || channels == 3 else { throw DenoiserError.unsupportedChannels(channels) }
        let url = weights ?? TrainedDenoiser.defaultWeightsURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DenoiserError.weightsMissing(prior: "denoiser", path: url.path)
        }
        let loaded: any DeblurNetwork
        do { loaded = try Checkpoint.load(url).network } catch {
            throw DenoiserError.weightsInvalid(path: url.path, reason: error.localizedDescription)
        }
        guard let network = loaded as? NoiseConditionedDenoiser, network.channels == 3 else {
            throw DenoiserError.wrongArchitecture(path: url.path, expected: "denoiser", found: loaded.architecture)
        }
        self.network = network
        self.channels = channels
    }

    public func denoise(_ noisy: Image, sigma: Float) throws -> Image {
        try validateDenoiserInput(noisy, sigma: sigma, channels: channels, maximum: maximumSigma, prior: name)
        let h = noisy.height, w = noisy.width
        let rgb = channels == 1 ? Image.stacking([noisy, noisy, noisy]) : noisy
        let even = rgb.padded(top: 0, bottom: h % 2, left: 0, right: w % 2, mode: .reflect)
        var out = try network(Variable(NoiseConditionedDenoiser.input(even, sigma: sigma))).value.image(at: 0)
            .cropped(x: 0, y: 0, width: w, height: h)
        if channels == 1 {
            var gray = Image(channels: 1, height: h, width: w)
            let plane = gray.planeSize
            for i in 0 ..< plane { gray.pixels[i] = (out.pixels[i] + out.pixels[plane + i] + out.pixels[2 * plane + i]) / 3 }
            out = gray
        }
        return out
    }
}

/// The checks every denoiser makes before running: σ in (0, maximum], the channel count, finite pixels.
func validateDenoiserInput(_ noisy: Image, sigma: Float, channels: Int, maximum: Float, prior: String) throws {
    guard sigma.isFinite, sigma > 0, sigma <= maximum else {
        throw DenoiserError.invalidSigma(value: "\(sigma)", maximum: maximum)
    }
    guard noisy.channels == channels else {
        if noisy.channels != 1 && noisy.channels != 3 { throw DenoiserError.unsupportedChannels(noisy.channels) }
        throw DenoiserError.channelMismatch(prior: prior, expected: channels, found: noisy.channels)
    }
    if let i = noisy.pixels.firstIndex(where: { !$0.isFinite }) {
        let plane = noisy.planeSize
        throw DenoiserError.nonFiniteInput(channel: i / plane, x: i % plane % noisy.width, y: i % plane / noisy.width)
    }
}
