import Foundation
import ImageCore
import Metrics
import Testing
@testable import NN
@testable import Tensors

@Suite("SSIM loss")
struct SSIMLossTests {
    /// A smooth seeded image pair in [0, 1]: a gradient pattern and a noisy, shifted copy.
    func pair(_ shape: [Int], seed: UInt64) -> (Tensor, Tensor) {
        var rng = SeededRNG(seed: seed)
        var a = Tensor(shape: shape), b = Tensor(shape: shape)
        let (h, w) = (shape[2], shape[3])
        for i in 0 ..< a.count {
            let y = (i / w) % h, x = i % w, plane = i / (h * w)
            let v = 0.5 + 0.3 * sin(Double(x) * 0.4 + Double(plane)) * cos(Double(y) * 0.3)
            a[i] = Float(v)
            b[i] = Float(min(1, max(0, 0.9 * v + 0.05 + 0.08 * rng.normal())))
        }
        return (a, b)
    }

    @Test("the loss equals 1 − the Metrics SSIM (Gaussian 11, σ 1.5, K1 0.01, K2 0.03), averaged over images")
    func matchesMetric() throws {
        let (prediction, target) = pair([2, 3, 23, 17], seed: 1)
        let loss = Double(ssimLoss(Variable(prediction), target: target).value[0])
        var expected = 0.0
        for n in 0 ..< 2 { expected += 1 - (try ssim(reference: target.image(at: n), test: prediction.image(at: n))) }
        expected /= 2
        #expect(abs(loss - expected) < 2e-5, "loss \(loss), 1 − SSIM \(expected)")
        #expect(expected > 0.05 && expected < 0.9)
        #expect(abs(Double(ssimLoss(Variable(target), target: target).value[0])) < 1e-6)
    }

    @Test("gradient vs finite differences")
    func gradient() {
        let (prediction, target) = pair([2, 2, 14, 13], seed: 2)
        let r = GradientCheck.run([prediction], h: 1e-2, probes: 40) { v in ssimLoss(v[0], target: target) }
        #expect(r.worst < gradientTolerance, "worst \(r.worst)")
    }

    @Test("combined with L1 it trains: a few Adam steps on the prediction itself raise SSIM")
    func descends() {
        let (start, target) = pair([1, 3, 16, 16], seed: 3)
        let p = Variable(start, isParameter: true)
        let opt = Adam(parameters: [p], learningRate: 1e-2)
        var losses: [Float] = []
        for _ in 0 ..< 20 {
            let tape = Tape()
            let x = tape.input(Tensor(shape: [1, 3, 16, 16]))  // puts the parameter's ops on the tape
            let loss = l1Loss(p + x, target: target) + scale(ssimLoss(p + x, target: target), by: 0.5)
            losses.append(loss.value[0])
            opt.zeroGrad()
            tape.backward(from: loss)
            opt.step()
        }
        #expect(losses.last! < 0.5 * losses.first!, "\(losses.first!) → \(losses.last!)")
    }
}
