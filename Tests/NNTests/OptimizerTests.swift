import Foundation
import ImageCore
import Testing
@testable import NN
@testable import Tensors

@Suite("Optimisers, schedulers, clipping")
struct OptimizerTests {
    /// A parameter with a fixed gradient `g` (as from the linear loss Σ p·g).
    func parameter(_ p: [Float], gradient g: [Float]) -> Variable {
        let v = Variable(Tensor(shape: [p.count], scalars: p), isParameter: true)
        v.grad = Tensor(shape: [g.count], scalars: g)
        return v
    }

    @Test("AdamW: three steps equal hand-computed numbers (bias correction on, decoupled decay)")
    func adamWThreeSteps() {
        // Constant gradient g: with bias correction m̂ₜ = g and v̂ₜ = g² at every t, so each step moves
        // lr·g/(|g| + ε) = ±0.1 (0 where g = 0), after the decoupled shrink p ← p·(1 − lr·wd) = 0.99·p.
        //   p₀ = ( 1,      −2,       3)
        //   p₁ = ( 0.89,   −1.88,    2.97)        0.99·1 − 0.1,  0.99·(−2) + 0.1,  0.99·3
        //   p₂ = ( 0.7811, −1.7612,  2.9403)
        //   p₃ = ( 0.673289, −1.643588, 2.910897)
        // Without bias correction step 1 would move 0.1·(0.1·g)/(√(0.001)·|g|) ≈ 0.316 instead of 0.1.
        let p = parameter([1, -2, 3], gradient: [0.5, -1, 0])
        let opt = AdamW(parameters: [p], learningRate: 0.1, weightDecay: 0.1)
        let expected: [[Float]] = [[0.89, -1.88, 2.97], [0.7811, -1.7612, 2.9403], [0.673289, -1.643588, 2.910897]]
        for t in 0 ..< 3 {
            opt.step()
            for i in 0 ..< 3 { #expect(abs(p.value[i] - expected[t][i]) < 2e-6, "step \(t + 1), element \(i): \(p.value[i])") }
        }
        #expect(opt.stepCount == 3)
    }

    @Test("Adam (coupled L2) and AdamW differ exactly as the formulas say on a quadratic")
    func adamQuadratic() {
        // Loss ½Σp², gradient p. Twin in Double written from the PyTorch formulas.
        func twin(decoupled: Bool) -> [Double] {
            var p = [0.5, -1.5], m = [0.0, 0.0], v = [0.0, 0.0]
            let (lr, b1, b2, eps, wd) = (0.05, 0.9, 0.999, 1e-8, 0.2)
            for t in 1 ... 3 {
                for i in 0 ..< 2 {
                    var g = p[i]
                    if decoupled { p[i] *= 1 - lr * wd } else { g += wd * p[i] }
                    m[i] = b1 * m[i] + (1 - b1) * g
                    v[i] = b2 * v[i] + (1 - b2) * g * g
                    let mh = m[i] / (1 - pow(b1, Double(t))), vh = v[i] / (1 - pow(b2, Double(t)))
                    p[i] -= lr * mh / (vh.squareRoot() + eps)
                }
            }
            return p
        }
        for decoupled in [false, true] {
            let p = Variable(Tensor(shape: [2], scalars: [0.5, -1.5]), isParameter: true)
            let opt: Optimizer = decoupled ? AdamW(parameters: [p], learningRate: 0.05, weightDecay: 0.2)
                                           : Adam(parameters: [p], learningRate: 0.05, weightDecay: 0.2)
            for _ in 0 ..< 3 {
                p.grad = p.value  // gradient of ½Σp² evaluated before the step (as the tape would give)
                opt.step()
            }
            let expected = twin(decoupled: decoupled)
            for i in 0 ..< 2 { #expect(abs(Double(p.value[i]) - expected[i]) < 1e-6, "decoupled \(decoupled): \(p.value[i]) vs \(expected[i])") }
        }
    }

    @Test("SGD with momentum and Nesterov follow PyTorch's update")
    func sgd() {
        let p = parameter([1], gradient: [2])
        let opt = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9)
        opt.step()  // b = 2, p = 1 − 0.2 = 0.8
        #expect(abs(p.value[0] - 0.8) < 1e-7)
        opt.step()  // b = 0.9·2 + 2 = 3.8, p = 0.8 − 0.38 = 0.42
        #expect(abs(p.value[0] - 0.42) < 1e-6)
        let q = parameter([1], gradient: [2])
        let nesterov = SGD(parameters: [q], learningRate: 0.1, momentum: 0.9, nesterov: true)
        nesterov.step()  // b = 2, d = 2 + 0.9·2 = 3.8, q = 0.62
        #expect(abs(q.value[0] - 0.62) < 1e-6)
    }

    @Test("optimiser state round-trips and resumes identically; mismatched state is a named error")
    func resumeState() throws {
        let a = parameter([1, 2], gradient: [0.3, -0.2]), b = parameter([1, 2], gradient: [0.3, -0.2])
        let first = AdamW(parameters: [a]), second = AdamW(parameters: [b])
        first.step(); first.step()
        second.step(); second.step()
        let resumed = AdamW(parameters: [b])
        try resumed.loadState(second.state())
        first.step(); resumed.step()
        #expect(a.value == b.value)
        #expect(resumed.stepCount == 3)
        let other = AdamW(parameters: [parameter([1, 2, 3], gradient: [0, 0, 0])])
        #expect(throws: NNError.self) { try other.loadState(first.state()) }
    }

    @Test("ReduceLROnPlateau follows Keras: patience, min_delta, cooldown, min_lr")
    func plateau() {
        var s = ReduceLROnPlateau(factor: 0.5, patience: 2, minLearningRate: 0.02, cooldown: 2, minDelta: 0.01)
        var lr: Float = 0.1
        // epoch:        1     2      3      4      5      6      7      8      9
        let metrics = [1.0, 0.995, 0.999, 0.98, 0.981, 0.982, 0.983, 0.984, 0.985]
        var history: [Float] = []
        for m in metrics { lr = s.update(metric: m, learningRate: lr); history.append(lr) }
        // 2: 0.995 is not < 1.0 − 0.01 → wait 1; 3: wait 2 → lr 0.05, cooldown 2;
        // 4: counter 2 → 1 (cooling down), 0.98 < 0.99 → best; 5: counter → 0, wait 1; 6: wait 2 → lr 0.025, cooldown 2;
        // 7: counter → 1, still cooling down → no wait; 8: counter → 0, wait 1; 9: wait 2 → max(0.0125, 0.02) = 0.02.
        // (As in Keras the counter is decremented before the check, so cooldown 1 would not delay anything.)
        #expect(history == [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.02])
        let saved = try! JSONEncoder().encode(s)
        #expect(try! JSONDecoder().decode(ReduceLROnPlateau.self, from: saved) == s)
    }

    @Test("cosine schedule: warm-up, midpoint, end")
    func cosine() {
        let c = CosineSchedule(baseLearningRate: 1, minLearningRate: 0.1, totalSteps: 110, warmupSteps: 10)
        #expect(c.learningRate(at: 0) == 0.1)
        #expect(abs(c.learningRate(at: 9) - 1) < 1e-7)
        #expect(abs(c.learningRate(at: 60) - 0.55) < 1e-6)
        #expect(abs(c.learningRate(at: 110) - 0.1) < 1e-7)
        #expect(abs(c.learningRate(at: 500) - 0.1) < 1e-7)
    }

    @Test("gradient-norm clipping scales all gradients together")
    func clipping() {
        let a = parameter([0, 0], gradient: [3, 0]), b = parameter([0], gradient: [4])
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(abs(norm - 5) < 1e-12)
        #expect(abs(a.grad![0] - 0.6) < 1e-6 && abs(b.grad![0] - 0.8) < 1e-6)
        #expect(clipGradientNorm([a, b], maxNorm: 10) < 1.0001)
        #expect(abs(a.grad![0] - 0.6) < 1e-6)  // below the limit: unchanged
    }

    @Test("seeded initialisers: same seed same weights; He normal has variance 2/fanIn")
    func initialisers() {
        var r1 = SeededRNG(seed: 5), r2 = SeededRNG(seed: 5)
        let w1 = Initializer.heNormal.make(shape: [64, 32, 3, 3], fanIn: 288, fanOut: 576, rng: &r1)
        let w2 = Initializer.heNormal.make(shape: [64, 32, 3, 3], fanIn: 288, fanOut: 576, rng: &r2)
        #expect(w1 == w2)
        var sq = 0.0
        for i in 0 ..< w1.count { sq += Double(w1[i]) * Double(w1[i]) }
        #expect(abs(sq / Double(w1.count) / (2.0 / 288) - 1) < 0.03)
        let g = Initializer.glorotUniform.make(shape: [1000], fanIn: 10, fanOut: 14, rng: &r1)
        #expect(g.scalars.allSatisfy { abs($0) <= 0.5 } && g.scalars.contains { abs($0) > 0.49 })
    }
}
