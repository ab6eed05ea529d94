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
