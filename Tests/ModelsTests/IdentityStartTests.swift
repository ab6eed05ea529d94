import Foundation
import ImageCore
@testable import Models
import NN
import Tensors
import Testing
@testable import Training

@Suite struct IdentityStartTests {
    /// A 48-wide autoencoder (the narrowest with room for the copies) after `startAsIdentity`.
    func identityAutoencoder(seed: UInt64) throws -> PaperAutoencoder {
        let network = PaperAutoencoder(width: 48, seed: seed)
        try network.startAsIdentity()
        return network
    }

    @Test("an identity start copies the input through the 1/8 bottleneck (≥ 50 dB), whatever the random weights")
    func copiesTheInput() throws {
        let image = syntheticImage(width: 40, height: 24, seed: 5)
        let x = Tensor(stacking: [image])
        let a = try identityAutoencoder(seed: 1)(Variable(x)).value
        let b = try identityAutoencoder(seed: 2)(Variable(x)).value
        #expect(a.shape == x.shape)
        var squared = 0.0, differ = 0
        for i in 0 ..< x.count {
            squared += Double(a[i] - x[i]) * Double(a[i] - x[i])
            if a[i] != b[i] { differ += 1 }
        }
        let psnr = 10 * log10(1 / (squared / Double(x.count)))
        #expect(psnr >= 50, "identity start: \(psnr) dB")
        // The random channels reach the output only through weights that start at zero.
        #expect(differ == 0)
        // Without the identity start the same network is far from a copy.
        let random = PaperAutoencoder(width: 48, seed: 1)(Variable(x)).value
        let randomError = (0 ..< x.count).map { abs(random[$0] - x[$0]) }.max()!
        #expect(randomError > 0.05)
    }

    @Test("the piecewise-linear logit before the sigmoid: within 0.01 of x over all of [0, 1], black and white included")
    func logitFitCoversTheRange() throws {
        // A ramp image from 0 to 1 in every channel.
        let width = 64, height = 8
        var ramp = Image(channels: 3, height: height, width: width)
        for c in 0 ..< 3 { for y in 0 ..< height { for x in 0 ..< width {
            ramp.pixels[(c * height + y) * width + x] = Float(x) / Float(width - 1)
        } } }
        let x = Tensor(stacking: [ramp])
        let y = try identityAutoencoder(seed: 7)(Variable(x)).value
        let worst = (0 ..< x.count).map { abs(y[$0] - x[$0]) }.max()!
        #expect(worst < 0.01, "largest error \(worst)")
        #expect(worst > 0, "a sigmoid output cannot be exactly 0 or 1")
    }

    @Test("too narrow for the copies: a named error, not a wrong network")
    func narrowNetworksAreRefused() {
        #expect(throws: ModelError.self) { try PaperAutoencoder(width: 32, seed: 0).startAsIdentity() }
        do {
            try PaperAutoencoder(width: 40, seed: 0).startAsIdentity()
            Issue.record("width 40 accepted")
        } catch {
            #expect("\(error.localizedDescription)".contains("width ≥ 48"))
        }
    }

    @Test("--identity-start: the autoencoder only, a new run only; --warmup-steps must be ≥ 1")
    func trainerRefusesMisuse() throws {
        let out = URL(fileURLWithPath: "/tmp/deblur-identity-\(UUID().uuidString).safetensors")
        var unet = tinyConfiguration(epochs: 1)
        unet.identityStart = true
        #expect(throws: TrainingError.self) { try Trainer(configuration: unet, train: tinyImages(), validation: tinyImages(), out: out, resume: false) }
        var narrow = TrainingConfiguration(model: "autoencoder")
        narrow.modelConfiguration = ["width": "16"]
        narrow.identityStart = true
        #expect(throws: TrainingError.self) { try Trainer(configuration: narrow, train: tinyImages(), validation: tinyImages(), out: out, resume: false) }
        var warm = tinyConfiguration(epochs: 1)
        warm.warmupSteps = 0
        #expect(throws: TrainingError.self) { try Trainer(configuration: warm, train: tinyImages(), validation: tinyImages(), out: out, resume: false) }
    }

    @Test("warm-up over N steps: Adam's first step moves no weight by more than lr/N (≈ lr without it); the epoch records the run's rate")
    func warmUpScalesTheFirstSteps() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func largestFirstStep(warmup: Int?) throws -> (Float, Double) {
            var c = tinyConfiguration(epochs: 1)
            c.stepsPerEpoch = 1
            c.warmupSteps = warmup
            let before = try ModelRegistry.make(c.model, configuration: c.modelConfiguration, seed: c.seed)
            let t = try Trainer(configuration: c, train: tinyImages(), validation: tinyImages(),
                                out: dir.appendingPathComponent("w\(warmup ?? 0).safetensors"), resume: false)
            t.log = { _ in }
            try t.run()
            var largest: Float = 0
            for ((_, old), (_, new)) in zip(before.namedParameters, t.network.namedParameters) {
                for i in 0 ..< old.value.count { largest = max(largest, abs(new.value[i] - old.value[i])) }
            }
            return (largest, t.state.history[0].learningRate)
        }
        let lr = Float(tinyConfiguration(epochs: 1).learningRate)
        let (plain, plainRate) = try largestFirstStep(warmup: nil)
        let (warm, warmRate) = try largestFirstStep(warmup: 4)
        #expect(plain <= lr * 1.001 && plain >= lr * 0.9, "no warm-up: \(plain) against lr \(lr)")
        #expect(warm <= lr / 4 * 1.001 && warm >= lr / 4 * 0.9, "warm-up 4: \(warm) against lr/4 \(lr / 4)")
        #expect(plainRate == Double(lr) && warmRate == Double(lr))
    }
}
