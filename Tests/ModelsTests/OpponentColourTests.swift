import Foundation
import ImageCore
@testable import Models
import Testing

/// `OpponentColourDenoiser`: colour images denoised as three gray opponent components.
@Suite struct OpponentColourTests {
    /// A gray "denoiser" that records the σ it is given and returns its input unchanged (or scaled).
    final class Recorder: Denoiser, @unchecked Sendable {
        var sigmas: [Float] = []
        var inputs: [Image] = []
        let scale: Float
        init(scale: Float = 1) { self.scale = scale }
        var name: String { "recorder" }
        var channels: Int { 1 }
        var maximumSigma: Float { 50 / 255 }
        func denoise(_ noisy: Image, sigma: Float) throws -> Image {
            sigmas.append(sigma)
            inputs.append(noisy)
            var out = noisy
            for i in out.pixels.indices { out.pixels[i] *= scale }
            return out
        }
    }

    static func randomRGB(width: Int, height: Int, seed: UInt64) -> Image {
        var rng = SeededRNG(seed: seed)
        var image = Image(channels: 3, height: height, width: width)
        for i in image.pixels.indices { image.pixels[i] = Float(rng.uniform()) }
        return image
    }

    @Test("the components equal a naive 3×3 matrix product with the offsets, and the inverse undoes them (9×7)")
    func transformMatchesNaiveMatrix() throws {
        let image = Self.randomRGB(width: 9, height: 7, seed: 11)
        let components = OpponentColourDenoiser.forward(image)
        let m: [[Double]] = [[1.0 / 3, 1.0 / 3, 1.0 / 3], [0.5, 0, -0.5], [0.25, -0.5, 0.25]]
        let offsets = [0.0, 0.5, 0.5]
        var worst = 0.0
        for y in 0 ..< 7 {
            for x in 0 ..< 9 {
                let rgb = (0 ..< 3).map { Double(image[$0, y, x]) }
                for k in 0 ..< 3 {
                    let expected = m[k][0] * rgb[0] + m[k][1] * rgb[1] + m[k][2] * rgb[2] + offsets[k]
                    worst = max(worst, abs(Double(components[k][0, y, x]) - expected))
                }
            }
        }
        #expect(worst < 1e-6, "largest difference \(worst)")
        let back = OpponentColourDenoiser.inverse(components, height: 7, width: 9)
        #expect(back.maxAbsDifference(image) < 1e-6)
    }

    @Test("white noise of σ per RGB channel becomes uncorrelated noise of σ/√3, σ/√2 and σ·√6/4 in the components")
    func componentNoiseLevels() {
        let n = 200_000
        var rng = SeededRNG(seed: 5)
        var noise = Image(channels: 3, height: 1, width: n)
        for i in noise.pixels.indices { noise.pixels[i] = Float(rng.normal()) }
        let c = OpponentColourDenoiser.forward(noise)
        let offsets: [Float] = [0, 0.5, 0.5]
        let centred = (0 ..< 3).map { k in c[k].pixels.map { Double($0 - offsets[k]) } }
        for k in 0 ..< 3 {
            let sd = (centred[k].reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
            #expect(abs(sd / Double(OpponentColourDenoiser.sigmaFactors[k]) - 1) < 0.01, "component \(k): σ \(sd)")
        }
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            let correlation = zip(centred[a], centred[b]).reduce(0) { $0 + $1.0 * $1.1 } / Double(n)
                / Double(OpponentColourDenoiser.sigmaFactors[a] * OpponentColourDenoiser.sigmaFactors[b])
            #expect(abs(correlation) < 0.01, "components \(a), \(b): correlation \(correlation)")
        }
    }

    @Test("each component reaches the gray denoiser at its own σ, and an identity denoiser gives the image back")
    func sigmasAndIdentity() throws {
        let image = Self.randomRGB(width: 9, height: 7, seed: 2)
        let recorder = Recorder()
        let denoiser = OpponentColourDenoiser(gray: recorder)
        #expect(denoiser.channels == 3 && denoiser.name == "recorder" && denoiser.maximumSigma == recorder.maximumSigma)
        let out = try denoiser.denoise(image, sigma: 0.1)
        let expected: [Float] = [0.1 / 3.0.squareRoot(), 0.1 / 2.0.squareRoot(), 0.1 * 6.0.squareRoot() / 4].map { Float($0) }
        #expect(recorder.sigmas.count == 3)
        #expect(zip(recorder.sigmas, expected).allSatisfy { abs($0 - $1) < 1e-7 }, "\(recorder.sigmas)")
        #expect(recorder.inputs.allSatisfy { $0.channels == 1 && $0.width == 9 && $0.height == 7 })
        #expect(out.maxAbsDifference(image) < 1e-6)
    }

    @Test("what the gray denoiser returns is what comes back: a denoiser halving its input halves luminance and chroma around ½")
    func outputGoesThroughInverse() throws {
        let image = Self.randomRGB(width: 5, height: 3, seed: 8)
        let out = try OpponentColourDenoiser(gray: Recorder(scale: 0.5)).denoise(image, sigma: 0.05)
        // y/2, (u + ½)/2 − ½ = u/2 − ¼, likewise v: the inverse of those.
        let c = OpponentColourDenoiser.forward(image)
        let halved = [c[0].pixels.map { $0 / 2 }, c[1].pixels.map { $0 / 2 }, c[2].pixels.map { $0 / 2 }]
            .map { Image(channels: 1, height: 3, width: 5, pixels: $0) }
        let expected = OpponentColourDenoiser.inverse(halved, height: 3, width: 5)
        #expect(out.maxAbsDifference(expected) < 1e-6)
        #expect(out.maxAbsDifference(image) > 0.1)
    }

    @Test("a gray image, σ out of range or a NaN are refused with named errors before the gray denoiser runs")
    func namedErrors() {
        let recorder = Recorder()
        let denoiser = OpponentColourDenoiser(gray: recorder)
        let gray = Image(channels: 1, height: 4, width: 4)
        #expect(throws: DenoiserError.channelMismatch(prior: "recorder", expected: 3, found: 1)) { try denoiser.denoise(gray, sigma: 0.1) }
        var image = Self.randomRGB(width: 4, height: 4, seed: 1)
        #expect(throws: DenoiserError.invalidSigma(value: "\(Float(0))", maximum: 50 / 255)) { try denoiser.denoise(image, sigma: 0) }
        image[2, 1, 3] = .nan
        #expect(throws: DenoiserError.nonFiniteInput(channel: 2, x: 3, y: 1)) { try denoiser.denoise(image, sigma: 0.1) }
        #expect(recorder.sigmas.isEmpty)
    }

    @Test("our prior denoises colour as opponent components by default, FFDNet jointly; --colour chooses")
    func defaultsPerPrior() throws {
        #expect(DenoisingPrior.denoiser.defaultColourHandling == .opponent)
        #expect(DenoisingPrior.ffdnet.defaultColourHandling == .joint)
        let weights = DenoiserNetworkTests.root.appendingPathComponent("Baselines/models/denoiser.safetensors")
        #expect(try DenoisingPrior.denoiser.denoiser(channels: 3, weights: weights) is OpponentColourDenoiser)
        #expect(try DenoisingPrior.denoiser.denoiser(channels: 3, weights: weights, colour: .joint) is TrainedDenoiser)
        #expect(try DenoisingPrior.denoiser.denoiser(channels: 1, weights: weights, colour: .opponent) is TrainedDenoiser)
    }
}
