import Foundation
import ImageCore
import NN
import Tensors
import Testing
@testable import Training

/// `--loss` as a weighted sum of terms (issue #26: the paper's perceptual and structural losses).
@Suite struct TrainingLossTests {
    @Test func weightedSumsParseAndOldNamesKeepTheirMeaning() throws {
        let mixed = try #require(TrainingLoss(rawValue: "l1+0.1*perceptual+0.2*ssim"))
        #expect(mixed.parts == [.init(weight: 1, term: .l1), .init(weight: 0.1, term: .perceptual), .init(weight: 0.2, term: .ssim)])
        #expect(mixed.usesPerceptual && !TrainingLoss.l1.usesPerceptual)
        #expect(TrainingLoss(rawValue: " L1 + 0.2*SSIM ")?.rawValue == "l1+0.2*ssim")
        #expect(TrainingLoss.l1ssim.parts == [.init(weight: 0.16, term: .l1), .init(weight: 0.84, term: .ssim)])
        #expect(TrainingLoss.mse.parts == [.init(weight: 1, term: .mse)])
        for bad in ["", "l1+", "+l1", "l2", "0*l1", "-1*l1", "l1+l1", "abc*l1", "nan*l1", "inf*l1", "2*3*l1", "perceptual*0.1"] {
            #expect(TrainingLoss(rawValue: bad) == nil, "'\(bad)'")
        }
    }

    @Test func checkpointsStoreTheLossAsItsString() throws {
        // A configuration written before weighted terms existed (loss "l1+ssim") decodes to the same loss.
        var c = TrainingConfiguration(model: "unet")
        c.loss = .l1ssim
        let json = try JSONEncoder().encode(c)
        #expect(String(decoding: json, as: UTF8.self).contains("\"loss\":\"l1+ssim\""))
        #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: json) == c)
        let broken = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "\"l1+ssim\"", with: "\"l2\"")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TrainingConfiguration.self, from: Data(broken.utf8)) }
    }

    @Test func theTrainerSumsTheWeightedTermsAndTrainsWithThePerceptualOne() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = tinyConfiguration(epochs: 1)
        c.loss = try #require(TrainingLoss(rawValue: "l1+0.1*perceptual+0.5*mse"))
        let trainer = try Trainer(configuration: c, train: tinyImages(), validation: tinyImages(), out: dir.appendingPathComponent("p.safetensors"), resume: false)
        trainer.log = { _ in }
        var rng = SeededRNG(seed: 3)
        let shape = [2, 3, 24, 24]
        let p = Tensor(shape: shape, scalars: (0 ..< 3456).map { _ in Float(rng.uniform()) })
        let t = Tensor(shape: shape, scalars: (0 ..< 3456).map { _ in Float(rng.uniform()) })
        let total = trainer.lossVariable(Variable(p), t).value[0]
        let perceptual = try #require(trainer.perceptual)
        let expected = l1Loss(Variable(p), target: t).value[0] + 0.1 * perceptual(Variable(p), target: t).value[0]
            + 0.5 * mseLoss(Variable(p), target: t).value[0]
        #expect(abs(total - expected) <= 1e-5 * max(1, abs(expected)))
        try trainer.run()
        #expect(trainer.state.history.count == 1 && trainer.state.history[0].trainLoss.isFinite)
    }
}

/// The adversarial option (issue #26 item 4).
@Suite struct AdversarialTests {
    @Test func aDiscriminatorStepLowersItsLossOnAToyProblem() throws {
        // Real: smooth ramps; restored: the same ramps with noise. A few steps teach the critic to tell them apart.
        var rng = SeededRNG(seed: 9)
        let shape = [4, 3, 32, 32]
        var real = [Float](repeating: 0, count: 4 * 3 * 32 * 32)
        for i in real.indices { let x = i % 32, y = (i / 32) % 32; real[i] = Float(x + y) / 64 }
        let noisy = real.map { $0 + Float(0.2 * rng.normal()) }
        let d = PatchDiscriminator(width: 8, seed: 1)
        let optimizer = Adam(parameters: d.parameters, learningRate: 2e-3)
        let first = discriminatorStep(d, optimizer: optimizer, real: Tensor(shape: shape, scalars: real), restored: Tensor(shape: shape, scalars: noisy))
        var last = first
        for _ in 0 ..< 15 { last = discriminatorStep(d, optimizer: optimizer, real: Tensor(shape: shape, scalars: real), restored: Tensor(shape: shape, scalars: noisy)) }
        #expect(last < 0.5 * first, "discriminator loss \(first) → \(last)")
    }

    @Test func theDiscriminatorLivesInTheResumeFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("g.safetensors")
        var c = tinyConfiguration(epochs: 1)
        c.adversarial = 0.01
        let first = try Trainer(configuration: c, train: tinyImages(), validation: tinyImages(), out: out, resume: false)
        first.log = { _ in }
        try first.run()
        let file = try SafeTensorsFile(contentsOf: first.lastURL)
        let saved = first.discriminator!.namedParameters
        #expect(saved.allSatisfy { file.tensors["discriminator." + $0.name] != nil })
        #expect(file.tensors.keys.contains { $0.hasPrefix("discriminator_optimizer.") })
        c.epochs = 2
        let second = try Trainer(configuration: c, train: tinyImages(), validation: tinyImages(), out: out, resume: true)
        second.log = { _ in }
        for (name, v) in second.discriminator!.namedParameters { #expect(v.value == file.tensors["discriminator." + name]!, "\(name)") }
        try second.run()
        #expect(second.state.completedEpochs == 2)
        // Turning the option on for a run trained without it is a change of options.
        var plain = tinyConfiguration(epochs: 1)
        plain.adversarial = nil
        let other = dir.appendingPathComponent("p.safetensors")
        let p = try Trainer(configuration: plain, train: tinyImages(), validation: tinyImages(), out: other, resume: false)
        p.log = { _ in }
        try p.run()
        var on = plain
        on.epochs = 2
        on.adversarial = 0.01
        #expect(throws: TrainingError.self) { try Trainer(configuration: on, train: tinyImages(), validation: tinyImages(), out: other, resume: true) }
    }
}
