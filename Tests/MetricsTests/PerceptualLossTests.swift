import Foundation
import ImageCore
import Metrics
import NN
import Tensors
import Testing

/// The training loss `NN.PerceptualLoss` against the metric it is built from: the same network, two
/// implementations (the metric's hand-fused blur-pool kernels against the loss's autograd ops).
@Suite struct PerceptualLossTests {
    static func pair(side: Int, seed: UInt64) -> (Image, Image) {
        var rng = SeededRNG(seed: seed)
        var a = Image(channels: 3, height: side, width: side)
        for y in 0 ..< side {
            for x in 0 ..< side {
                for c in 0 ..< 3 { a.pixels[(c * side + y) * side + x] = 0.5 + 0.3 * Float(sin(Double(x * (c + 1)) * 0.3 + Double(y) * 0.2)) }
            }
        }
        var b = a
        for i in b.pixels.indices { b.pixels[i] = min(1, max(0, b.pixels[i] + Float(0.08 * rng.normal()))) }
        return (a, b)
    }

    @Test func theLossEqualsTheSTLPIPSScoreOfEachPair() throws {
        let loss = try PerceptualLoss(weightsAt: URL(fileURLWithPath: weightsPath))
        let metric = try loadSTLPIPS()
        for (side, seed) in [(33, 1), (48, 2)] {
            let (reference, test) = Self.pair(side: side, seed: UInt64(seed))
            let expected = try metric.score(reference: reference, test: test)
            let value = loss(Variable(Tensor(stacking: [test])), target: Tensor(stacking: [reference])).value[0]
            #expect(abs(Double(value) - expected) <= 1e-4 * max(1, expected), "\(side) px: loss \(value), ST-LPIPS \(expected)")
        }
        // A batch is the mean of its images' distances.
        let (r1, t1) = Self.pair(side: 33, seed: 1), (r2, t2) = Self.pair(side: 33, seed: 5)
        let batch = loss(Variable(Tensor(stacking: [t1, t2])), target: Tensor(stacking: [r1, r2])).value[0]
        let mean = (try metric.score(reference: r1, test: t1) + metric.score(reference: r2, test: t2)) / 2
        #expect(abs(Double(batch) - mean) <= 1e-4)
        // Identical images are at distance 0 up to rounding: the two feature passes may run their matrix
        // products under different OpenBLAS thread counts (a process-wide setting other suites running in
        // parallel change), which reorders sums (3e-14 seen in a CI run). Real distances here are ~0.1.
        let same = loss(Variable(Tensor(stacking: [r1])), target: Tensor(stacking: [r1])).value[0]
        #expect(same >= 0 && same <= 1e-9, "identical images: \(same)")
    }

    /// Gradients through the trunk (convolutions, ReLU, max-pool, blur-pool, the channel normalisation)
    /// against central finite differences, in Double-free Float32 with a step suited to it.
    @Test func gradientsPassTheFiniteDifferenceCheck() throws {
        let loss = try PerceptualLoss(weightsAt: URL(fileURLWithPath: weightsPath))
        let (reference, test) = Self.pair(side: 27, seed: 3)
        let target = Tensor(stacking: [reference])
        let tape = Tape()
        let x = tape.input(Tensor(stacking: [test]), requiresGrad: true)
        tape.backward(from: loss(x, target: target))
        let analytic = try #require(x.grad)
        var rng = SeededRNG(seed: 11)
        var relative: [Double] = []
        let h: Float = 2e-3
        for _ in 0 ..< 24 {
            let i = Int(rng.next() % UInt64(analytic.count))
            var plus = Tensor(stacking: [test]), minus = plus
            plus.withUnsafeMutableBufferPointer { $0[i] += h }
            minus.withUnsafeMutableBufferPointer { $0[i] -= h }
            let numeric = (Double(loss(Variable(plus), target: target).value[0]) - Double(loss(Variable(minus), target: target).value[0])) / Double(2 * h)
            let a = Double(analytic.scalars[i])
            relative.append(abs(a - numeric) / max(abs(numeric), abs(a), 1e-4))
        }
        relative.sort()
        // Kinks of ReLU and max-pool can sit inside a step for a few coordinates; the rest must agree.
        #expect(relative[relative.count / 2] < 0.02, "median relative error \(relative[relative.count / 2])")
        #expect(relative.filter { $0 < 0.1 }.count >= 21, "\(relative)")
    }
}
