import Foundation
import ImageCore
import ImageIO
import Metrics
import Models
import Tensors
import Testing

/// FFDNet: forward pass against an independent NumPy implementation of the same `.pth` weights
/// (`scripts/reference/make_ffdnet_fixture.py`), batch-norm folding, tiling, denoising quality and
/// the named errors. The real weights are read from `Data/weights/` (installed by
/// `scripts/fetch-ffdnet.sh`, which `make test` / `scripts/setup.sh` runs, as for ST-LPIPS).
@Suite struct FFDNetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func weights(_ variant: FFDNet.Variant) -> URL {
        root.appendingPathComponent("Data/weights/\(variant.fileName)")
    }

    static func image(_ tensor: Tensor) -> Image {
        Image(channels: tensor.shape[0], height: tensor.shape[1], width: tensor.shape[2], pixels: tensor.scalars)
    }

    /// A gray FFDNet with seeded random weights (the real shapes; for tests that need no real weights).
    static func randomGrayFile(seed: UInt64 = 7, tamper: ((inout [String: Tensor]) -> Void)? = nil,
                               metadata: [String: String] = ["architecture": "ffdnet", "variant": "gray"]) -> SafeTensorsFile {
        var rng = SeededRNG(seed: seed)
        func random(_ shape: [Int], scale: Double, offset: Double = 0) -> Tensor {
            let n = shape.reduce(1, *)
            return Tensor(shape: shape, scalars: (0 ..< n).map { _ in Float(offset + scale * rng.normal()) })
        }
        let stack = "intermediate_dncnn.itermediate_dncnn"
        var tensors = ["\(stack).0.weight": random([64, 5, 3, 3], scale: 0.1)]
        for k in 0 ..< 13 {
            tensors["\(stack).\(2 + 3 * k).weight"] = random([64, 64, 3, 3], scale: 0.05)
            tensors["\(stack).\(3 + 3 * k).weight"] = random([64], scale: 0.1, offset: 1)
            tensors["\(stack).\(3 + 3 * k).bias"] = random([64], scale: 0.1)
            tensors["\(stack).\(3 + 3 * k).running_mean"] = random([64], scale: 0.1)
            tensors["\(stack).\(3 + 3 * k).running_var"] = Tensor(shape: [64], scalars: (0 ..< 64).map { Float(0.5 + Double($0) / 64) })
        }
        tensors["\(stack).41.weight"] = random([4, 64, 3, 3], scale: 0.05)
        tamper?(&tensors)
        return SafeTensorsFile(tensors: tensors, metadata: metadata)
    }

    @Test("forward pass equals the NumPy reference of the same .pth weights on a 37×29 (odd) crop, ≤ 1e-4 of the output range",
          arguments: FFDNet.Variant.allCases)
    func matchesNumPyReference(variant: FFDNet.Variant) throws {
        let fixture = try SafeTensorsFile(contentsOf: Self.fixtures.appendingPathComponent("ffdnet-reference.safetensors"))
        let sigma = try #require(fixture.metadata["sigma"].flatMap(Double.init).map(Float.init))
        #expect(abs(sigma - 25 / 255) < 1e-7)
        let input = Self.image(try fixture.tensor(named: "\(variant.rawValue).input", shape: [variant.channels, 29, 37]))
        let expected = Self.image(try fixture.tensor(named: "\(variant.rawValue).output", shape: [variant.channels, 29, 37]))
        let net = try FFDNet(contentsOf: Self.weights(variant), expecting: variant)
        #expect(net.channels == variant.channels)
        let output = try net.denoise(input, sigma: sigma)
        #expect(output.shapeDescription == expected.shapeDescription)
        let range = expected.valueRange.upperBound - expected.valueRange.lowerBound
        let error = output.maxAbsDifference(expected) / range
        // Measured 1.4e-6 (rgb) and 1.6e-6 (gray): float32 Winograd against the float64 reference.
        #expect(error <= 1e-4, "FFDNet-\(variant.rawValue): max |Swift − NumPy| = \(error) of the output range")
        // The denoiser did something: the output is far from its input.
        #expect(output.maxAbsDifference(input) > 0.1)
    }

    @Test("batch-norm folding equals conv → BN (eval mode) on random tensors")
    func batchNormFoldingIsExact() {
        var rng = SeededRNG(seed: 3)
        func random(_ n: Int, _ scale: Double, _ offset: Double = 0) -> [Float] { (0 ..< n).map { _ in Float(offset + scale * rng.normal()) } }
        let (o, c, h, w) = (6, 4, 7, 9)
        let weight = Tensor(shape: [o, c, 3, 3], scalars: random(o * c * 9, 0.3))
        let x = Tensor(shape: [1, c, h, w], scalars: random(c * h * w, 1))
        let gamma = random(o, 0.5, 1), beta = random(o, 0.3), mean = random(o, 0.2)
        let variance = (0 ..< o).map { Float(0.01 + 2 * Double($0) / Double(o)) }  // includes a tiny variance
        let conv = conv2d(x, weight: weight, padding: 1)
        var unfolded = [Float](repeating: 0, count: conv.count)
        for ch in 0 ..< o {
            let s = Double(gamma[ch]) / (Double(variance[ch]) + Double(FFDNet.batchNormEpsilon)).squareRoot()
            for i in ch * h * w ..< (ch + 1) * h * w {
                unfolded[i] = Float((Double(conv[i]) - Double(mean[ch])) * s + Double(beta[ch]))
            }
        }
        let folded = FFDNet.foldBatchNorm(weight: weight, scale: gamma, shift: beta, mean: mean, variance: variance)
        #expect(folded.weight.shape == weight.shape && folded.bias?.shape == [o])
        let y = conv2d(x, weight: folded.weight, bias: folded.bias, padding: 1).scalars
        let scale = unfolded.map(abs).max()!
        let error = zip(y, unfolded).map { abs($0 - $1) }.max()! / scale
        #expect(error <= 1e-5, "folded vs unfolded: \(error) relative")
    }

    @Test("tiled inference equals untiled within 1e-5 (tile 32 on a 3×96×90 image: 9 tiles, context clipped at the borders)")
    func tiledMatchesUntiled() throws {
        var rng = SeededRNG(seed: 11)
        let noisy = Image(channels: 3, height: 96, width: 90, pixels: (0 ..< 3 * 96 * 90).map { _ in Float(0.5 + 0.2 * rng.normal()) })
        let whole = try FFDNet(contentsOf: Self.weights(.rgb))
        #expect(whole.tile >= 96)
        var tiled = whole
        tiled.tile = 32
        let a = try whole.denoise(noisy, sigma: 30 / 255), b = try tiled.denoise(noisy, sigma: 30 / 255)
        let error = a.maxAbsDifference(b)
        #expect(error <= 1e-5, "tiled vs untiled: \(error)")
    }

    /// Pinned gains (σ = 25/255, seeded noise, 96×96 crop at (30, 30) of astronaut-crop-disk-sharp.png):
    /// measured 20.12 → 33.07 dB (+12.95, rgb) and 20.14 → 31.21 dB (+11.07, gray) when the test was
    /// written; pinned at the gain rounded down to 0.1 dB, minus 0.1 dB.
    static let pinnedGain: [FFDNet.Variant: Double] = [.rgb: 12.8, .gray: 10.9]

    @Test("denoising a fixture crop at σ = 25/255 gains at least the pinned PSNR over the noisy input", arguments: FFDNet.Variant.allCases)
    func denoisingGainsPinnedPSNR(variant: FFDNet.Variant) throws {
        let photo = try readImage(at: Self.fixtures.appendingPathComponent("astronaut-crop-disk-sharp.png").path)
        let crop = try photo.cropped(x: 30, y: 30, width: 96, height: 96)
        let clean = variant == .rgb ? crop : try crop.luma()
        var rng = SeededRNG(seed: 25)
        var noisy = clean
        for i in noisy.pixels.indices { noisy.pixels[i] += Float(25.0 / 255 * rng.normal()) }
        let net = try FFDNet(contentsOf: Self.weights(variant), expecting: variant)
        let before = try psnr(reference: clean, test: noisy)
        let after = try psnr(reference: clean, test: try net.denoise(noisy, sigma: 25 / 255))
        let floor = try #require(Self.pinnedGain[variant])
        #expect(after - before >= floor, "FFDNet-\(variant.rawValue): \(before) → \(after) dB")
    }

    @Test("a missing weights file names scripts/fetch-ffdnet.sh; the default path is Data/weights/ffdnet-VARIANT.safetensors")
    func missingWeights() {
        let missing = URL(fileURLWithPath: "/nonexistent/ffdnet-rgb.safetensors")
        #expect(throws: DenoiserError.weightsMissing(prior: "ffdnet", path: missing.path)) { try FFDNet(contentsOf: missing) }
        let message = DenoiserError.weightsMissing(prior: "ffdnet", path: missing.path).localizedDescription
        #expect(message.contains("scripts/fetch-ffdnet.sh") && message.contains("make setup"))
        #expect(FFDNet.defaultWeightsURL(.gray).path.hasSuffix("Data/weights/ffdnet-gray.safetensors"))
    }

    @Test("wrong architecture, wrong variant, a misshapen or extra tensor and a negative variance are named errors")
    func wrongCheckpoints() throws {
        _ = try FFDNet(weights: Self.randomGrayFile(), path: "random")  // the well-formed file loads
        #expect(throws: DenoiserError.wrongArchitecture(path: "f", expected: "ffdnet", found: "unet")) {
            try FFDNet(weights: Self.randomGrayFile(metadata: ["architecture": "unet"]), path: "f")
        }
        #expect(throws: DenoiserError.wrongArchitecture(path: "f", expected: "ffdnet-rgb", found: "ffdnet-gray")) {
            try FFDNet(weights: Self.randomGrayFile(), path: "f", expecting: .rgb)
        }
        let stack = "intermediate_dncnn.itermediate_dncnn"
        let tampered: [(String, (inout [String: Tensor]) -> Void)] = [
            ("misshapen", { $0["\(stack).5.weight"] = Tensor(shape: [64, 32, 3, 3]) }),
            ("missing", { $0["\(stack).41.weight"] = nil }),
            ("extra layer", { $0["\(stack).44.weight"] = Tensor(shape: [4, 64, 3, 3]) }),
            ("negative variance", { $0["\(stack).6.running_var"] = Tensor(shape: [64], repeating: -1) }),
        ]
        for (what, tamper) in tampered {
            do {
                _ = try FFDNet(weights: Self.randomGrayFile(tamper: tamper), path: "f")
                Issue.record("a checkpoint with a \(what) tensor was accepted")
            } catch let DenoiserError.weightsInvalid(path, reason) {
                #expect(path == "f" && !reason.isEmpty)
            }
        }
        #expect(throws: DenoiserError.invalidTile(8)) { try FFDNet(weights: Self.randomGrayFile(), path: "f", tile: 8) }
    }

    @Test("σ ≤ 0, NaN, infinite or above 75/255, a channel mismatch and a NaN pixel are named errors")
    func badInput() throws {
        let net = try FFDNet(weights: Self.randomGrayFile(), path: "random")
        let image = Image(channels: 1, height: 5, width: 6, value: 0.5)
        for sigma: Float in [0, -0.1, .nan, .infinity, 76 / 255, 1] {
            do {
                _ = try net.denoise(image, sigma: sigma)
                Issue.record("σ = \(sigma) was accepted")
            } catch let DenoiserError.invalidSigma(value, maximum) {
                #expect(value == "\(sigma)" && maximum == 75 / 255)
            }
        }
        #expect(DenoiserError.invalidSigma(value: "0.0", maximum: 75 / 255).localizedDescription.contains("75 on the 0–255 scale"))
        _ = try net.denoise(image, sigma: 75 / 255)  // the top of the range is accepted
        #expect(throws: DenoiserError.channelMismatch(prior: "ffdnet-gray", expected: 1, found: 3)) {
            try net.denoise(Image(channels: 3, height: 4, width: 4), sigma: 0.1)
        }
        #expect(throws: DenoiserError.unsupportedChannels(2)) { try net.denoise(Image(channels: 2, height: 4, width: 4), sigma: 0.1) }
        var bad = image
        bad.pixels[2 * 6 + 4] = .nan
        #expect(throws: DenoiserError.nonFiniteInput(channel: 0, x: 4, y: 2)) { try net.denoise(bad, sigma: 0.1) }
    }

    @Test("odd sizes: 1×1, 1×n and 3×5 images keep their shape, and the odd output equals the even-extended one cropped")
    func oddSizes() throws {
        let net = try FFDNet(weights: Self.randomGrayFile(), path: "random")
        for (h, w) in [(1, 1), (1, 6), (3, 5)] {
            let out = try net.denoise(Image(channels: 1, height: h, width: w, value: 0.3), sigma: 0.1)
            #expect(out.height == h && out.width == w && out.isFinite)
        }
        var rng = SeededRNG(seed: 5)
        let odd = Image(channels: 1, height: 7, width: 9, pixels: (0 ..< 63).map { _ in Float(rng.uniform()) })
        let extended = odd.padded(top: 0, bottom: 1, left: 0, right: 1, mode: .replicate)
        let a = try net.denoise(odd, sigma: 0.1)
        let b = try net.denoise(extended, sigma: 0.1).cropped(x: 0, y: 0, width: 9, height: 7)
        #expect(a.maxAbsDifference(b) == 0)
    }
}
