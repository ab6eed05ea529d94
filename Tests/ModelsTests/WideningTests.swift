import Foundation
import ImageCore
@testable import Models
import NN
import Tensors
import Testing
@testable import Training

/// Widening a trained U-Net (Net2WiderNet with zeros): the wider network computes what the narrow one did.
@Suite struct WideningTests {
    /// `net` with every parameter (biases too) drawn at random, so a misplaced tensor cannot hide.
    func randomised<N: Module>(_ net: N, seed: UInt64) -> N {
        var rng = SeededRNG(seed: seed)
        for (_, v) in net.namedParameters {
            v.value = Tensor(shape: v.shape, scalars: (0 ..< v.value.count).map { _ in Float(0.3 * rng.normal()) })
        }
        return net
    }

    func output(_ net: UNet, _ input: Tensor) -> [Float] { net(Variable(input)).value.scalars }

    var input: Tensor { Tensor(image: syntheticImage(width: 20, height: 16, seed: 4)) }

    @Test("a U-Net widened from a narrower one gives the same output; the new channels are live but read with zero weights")
    func widenedOutputIsUnchanged() throws {
        let narrow = randomised(UNet(levels: 3, width: 4, seed: 1), seed: 9)
        let wide = UNet(levels: 3, width: 6, seed: 2)
        let before = output(wide, input)
        let grown = try #require(wide.loadWidened(narrow.stateDict()))
        // Every tensor grew except the output bias (3 colour channels either way).
        #expect(Set(grown) == Set(narrow.namedParameters.map(\.name)).subtracting(["out.bias"]))
        let a = output(narrow, input), b = output(wide, input)
        let scale = a.map { abs($0) }.max()!
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5 * scale, "largest difference \(worst) (output scale \(scale))")
        #expect(zip(before, b).map { abs($0 - $1) }.max()! > 1e-2 * scale, "the load changed nothing")

        let w = wide.stateDict()
        // enc0.b: (out 6, in 6, 3, 3). Old block copied; new inputs read with zeros; new outputs random.
        let enc = w["enc0.b.weight"]!.scalars, old = narrow.stateDict()["enc0.b.weight"]!.scalars
        func at(_ o: Int, _ i: Int, _ k: Int, channels: Int) -> Int { (o * channels + i) * 9 + k }
        #expect((0 ..< 4).allSatisfy { o in (0 ..< 4).allSatisfy { i in (0 ..< 9).allSatisfy { enc[at(o, i, $0, channels: 6)] == old[at(o, i, $0, channels: 4)] } } })
        #expect((0 ..< 6).allSatisfy { o in (4 ..< 6).allSatisfy { i in (0 ..< 9).allSatisfy { enc[at(o, i, $0, channels: 6)] == 0 } } })
        #expect((4 ..< 6).contains { o in (0 ..< 4).contains { i in enc[at(o, i, 0, channels: 6)] != 0 } })
    }

    @Test("a concatenated input is widened segment by segment: [upsampled, skip] channels land at the start of each half")
    func segmentsAreWidenedApart() throws {
        // A (1, 4, 1, 1) weight reading two segments of 2 channels, widened to two segments of 3.
        let old = Tensor(shape: [1, 4, 1, 1], scalars: [1, 2, 3, 4])
        let fresh = Tensor(shape: [2, 6, 1, 1], repeating: 7)
        let wide = try #require(UNet.widen(old, into: fresh, layout: WideningLayout(inputDimension: 1, inputSegments: 2)))
        #expect(wide.scalars == [1, 2, 0, 3, 4, 0, /* a new output: fresh, but zero on new inputs */ 7, 7, 0, 7, 7, 0])
        // Read as one segment, the skip channels would land in the wrong places.
        let flat = try #require(UNet.widen(old, into: fresh, layout: WideningLayout(inputDimension: 1)))
        #expect(flat.scalars != wide.scalars)
        // A transposed convolution reads along dimension 0; a bias has no input dimension.
        let bias = try #require(UNet.widen(Tensor(shape: [2], scalars: [5, 6]), into: Tensor(shape: [3], repeating: 0), layout: WideningLayout(inputDimension: nil)))
        #expect(bias.scalars == [5, 6, 0])
    }

    @Test("the plug-and-play denoiser widens too: its σ-map and image inputs and noise outputs stay, the width grows")
    func denoiserWidens() throws {
        let narrow = randomised(NoiseConditionedDenoiser(channels: 3, width: 6, layers: 4, seed: 1), seed: 3)
        let wide = NoiseConditionedDenoiser(channels: 3, width: 9, layers: 4, seed: 2)
        let grown = try #require(wide.loadWidened(narrow.stateDict()))
        #expect(Set(grown) == ["conv0.weight", "conv0.bias", "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight"])
        var pixels = syntheticImage(width: 12, height: 10, seed: 6).pixels
        pixels += [Float](repeating: 0.1, count: 120)   // the σ map
        let x = Tensor(shape: [1, 4, 10, 12], scalars: pixels)
        let a = narrow(Variable(x)).value.scalars, b = wide(Variable(x)).value.scalars
        #expect(zip(a, b).map { abs($0 - $1) }.max()! <= 1e-5 * a.map { abs($0) }.max()!)
        #expect(wide.loadWidened(NoiseConditionedDenoiser(channels: 3, width: 6, layers: 5, seed: 1).stateDict()) == nil)   // deeper
    }

    @Test("what is not a narrower U-Net of the same depth is not widened, and nothing is changed")
    func onlyNarrowerNetworksOfTheSameDepth() {
        let wide = UNet(levels: 3, width: 6, seed: 2)
        let before = wide.stateDict()
        #expect(wide.loadWidened(UNet(levels: 2, width: 4, seed: 1).stateDict()) == nil)   // another depth
        #expect(wide.loadWidened(UNet(levels: 3, width: 8, seed: 1).stateDict()) == nil)   // wider
        #expect(wide.loadWidened(UNet(levels: 3, width: 6, seed: 1).stateDict()) == nil)   // nothing grows
        #expect(wide.loadWidened(UNet(levels: 3, width: 3, seed: 1).stateDict()) != nil)   // odd widths are fine
        let unchanged = UNet(levels: 3, width: 6, seed: 2)
        _ = unchanged.loadWidened(UNet(levels: 3, width: 8, seed: 1).stateDict())
        #expect(unchanged.stateDict().allSatisfy { before[$0.key]!.scalars == $0.value.scalars })
    }

    @Test("--init with a narrower U-Net widens it: the run starts from the donor's output and the new channels learn")
    func trainerWidensOnInit() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let donorURL = dir.appendingPathComponent("narrow.safetensors")
        let donor = try Trainer(configuration: tinyConfiguration(epochs: 1), train: tinyImages(), validation: tinyImages(), out: donorURL, resume: false, allowChanges: false)
        donor.log = { _ in }
        try donor.run()
        var c = tinyConfiguration(epochs: 1)
        c.modelConfiguration["width"] = "6"
        c.initialWeights = donor.lastURL.path
        let t = try Trainer(configuration: c, train: tinyImages(), validation: tinyImages(), out: dir.appendingPathComponent("wide.safetensors"),
                            resume: false, allowChanges: false)
        t.log = { _ in }
        let grown = try #require(t.widened)
        #expect(!grown.isEmpty && t.initialisation?.kept.isEmpty == true)
        let narrow = try #require(donor.network as? UNet), wide = try #require(t.network as? UNet)
        let a = output(narrow, input), b = output(wide, input)
        #expect(zip(a, b).map { abs($0 - $1) }.max()! <= 1e-5 * a.map { abs($0) }.max()!)
        // After an epoch the weights that read the new channels are no longer all zero.
        try t.run()
        let dec = wide.stateDict()["dec0.b.weight"]!   // (6, 6, 3, 3); inputs 4 and 5 are new
        var reads: [Float] = []
        for o in 0 ..< 6 {
            for i in 4 ..< 6 { reads += dec.scalars[(o * 6 + i) * 9 ..< (o * 6 + i + 1) * 9] }
        }
        #expect(reads.contains { $0 != 0 })
    }
}
