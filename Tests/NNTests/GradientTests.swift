import Foundation
import Testing
@testable import NN
@testable import Tensors

// Every differentiable op's backward against central finite differences (see GradientCheck).
// Linear ops are checked with a large step (h = 0.25: the difference quotient is exact up to
// Float rounding of the forward); smooth nonlinear ops with h = 1e-2; ops with kinks on inputs
// kept at least 0.1 (relu, L1) or 0.05 (max-pool) from the kink.
// Tolerance: |analytic − numeric| ≤ 1e-4·(1 + |numeric|) everywhere (observed worst: 1.5e-5).
let gradientTolerance = 1e-4

@Suite("Backward vs finite differences", .serialized)
struct GradientTests {
    struct ConvCase: CustomStringConvertible, Sendable {
        var kernel: Int, stride: Int, padding: Int, dilation: Int, groups: Int
        var description: String { "k\(kernel) s\(stride) p\(padding) d\(dilation) g\(groups)" }
    }

    static let convCases: [ConvCase] = [
        ConvCase(kernel: 3, stride: 1, padding: 1, dilation: 1, groups: 1),
        ConvCase(kernel: 3, stride: 2, padding: 0, dilation: 1, groups: 1),
        ConvCase(kernel: 3, stride: 2, padding: 2, dilation: 1, groups: 1),
        ConvCase(kernel: 3, stride: 1, padding: 2, dilation: 2, groups: 1),
        ConvCase(kernel: 1, stride: 1, padding: 0, dilation: 1, groups: 1),
        ConvCase(kernel: 3, stride: 1, padding: 1, dilation: 1, groups: 2),
        ConvCase(kernel: 1, stride: 1, padding: 0, dilation: 1, groups: 2),
    ]

    @Test("thin conv2d (3 outputs, direct kernel): dInput, dWeight, dBias", arguments: [(3, 1, 1), (3, 0, 1), (3, 2, 2), (5, 2, 1)])
    func thinConv(k: Int, p: Int, d: Int) {
        let x = Ref.random([2, 4, 6, 19], seed: 19), w = Ref.random([3, 4, k, k], seed: 20), b = Ref.random([3], seed: 21)
        let r = GradientCheck.run([x, w, b], h: 0.25) { v in
            conv2d(v[0], weight: v[1], bias: v[2], padding: p, dilation: d)
        }
        #expect(r.worst < gradientTolerance, "k\(k) p\(p) d\(d): worst \(r.worst)")
    }

    @Test("conv2d: dInput, dWeight, dBias", arguments: convCases)
    func conv(c: ConvCase) {
        let x = Ref.random([2, 4, 5, 7], seed: 1), w = Ref.random([6, 4 / c.groups, c.kernel, c.kernel], seed: 2)
        let b = Ref.random([6], seed: 3)
        let g = Conv2dGeometry(batch: 2, inputChannels: 4, inputHeight: 5, inputWidth: 7, outputChannels: 6,
                               kernelSize: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        // The op runs the batch schedule; the kernels are also checked directly under the other one.
        let r = GradientCheck.run([x, w, b], h: 0.25) { v in
            conv2d(v[0], weight: v[1], bias: v[2], stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        }
        var dx = [Tensor](), dw = [Tensor](), db = [Tensor]()
        let dy = Ref.random([2, 6, g.outputHeight, g.outputWidth], seed: 4)
        for parallel in [false, true] {
            var a = Tensor(shape: x.shape), bw = Tensor(shape: w.shape), bb = Tensor(shape: b.shape)
            withExtendedLifetime((x, w, dy)) {
                conv2dBackward(input: x.unsafePointer, weight: w.unsafePointer, dOutput: dy.unsafePointer, dInput: a.unsafeMutablePointer(),
                               dWeight: bw.unsafeMutablePointer(), dBias: bb.unsafeMutablePointer(), geometry: g, parallelOverBatch: parallel)
            }
            dx.append(a); dw.append(bw); db.append(bb)
        }
        #expect(dx[0].maxAbsDifference(dx[1]) < 1e-5 && dw[0].maxAbsDifference(dw[1]) < 1e-5 && db[0].maxAbsDifference(db[1]) < 1e-5)
        #expect(r.worst < gradientTolerance, "\(c): worst \(r.worst) over \(r.probes) probes")
    }

    @Test("stride-2 conv and transposed conv on wide rows (8-lane im2col / col2im)")
    func wideStride2() {
        let x = Ref.random([2, 3, 4, 37], seed: 22), w = Ref.random([4, 3, 3, 3], seed: 23), b = Ref.random([4], seed: 24)
        let r = GradientCheck.run([x, w, b], h: 0.25) { v in conv2d(v[0], weight: v[1], bias: v[2], stride: 2, padding: 1) }
        #expect(r.worst < gradientTolerance, "conv: worst \(r.worst)")
        let xs = Ref.random([2, 4, 3, 19], seed: 25), wt = Ref.random([4, 3, 3, 3], seed: 26), bt = Ref.random([3], seed: 27)
        let rt = GradientCheck.run([xs, wt, bt], h: 0.25) { v in
            convTranspose2d(v[0], weight: v[1], bias: v[2], stride: 2, padding: 1, outputPadding: 1)
        }
        #expect(rt.worst < gradientTolerance, "transposed: worst \(rt.worst)")
    }

    @Test("conv2d on the Winograd path (3×3, stride 1, ≥ 8 channels)", arguments: [0, 1, 2])
    func winogradConv(padding: Int) {
        let x = Ref.random([2, 8, 5, 21], seed: 28), w = Ref.random([8, 8, 3, 3], seed: 29), b = Ref.random([8], seed: 30)
        let r = GradientCheck.run([x, w, b], h: 0.25) { v in conv2d(v[0], weight: v[1], bias: v[2], padding: padding) }
        #expect(r.worst < gradientTolerance, "p \(padding): worst \(r.worst)")
    }

    @Test("Winograd weight gradient equals the naive sum over images and pixels (odd sizes, several bands, accumulate)",
          arguments: [0, 1, 2])
    func winogradWeightGradient(padding p: Int) {
        for (batch, h, w) in [(2, 7, 13), (1, 70, 141), (3, 2, 9)] where h + 2 * p >= 3 {
            let c = 9, oc = 10
            let x = Ref.random([batch, c, h, w], seed: 61)
            let g = Conv2dGeometry(batch: batch, inputChannels: c, inputHeight: h, inputWidth: w, outputChannels: oc,
                                   kernelSize: 3, padding: p)
            let dy = Ref.random([batch, oc, g.outputHeight, g.outputWidth], seed: 62)
            // Naive twin: dW[o, ch, i, j] = Σ_n Σ_y Σ_x dY[n, o, y, x] · X[n, ch, y + i − p, x + j − p], in Double.
            var expected = [Float](repeating: 0, count: oc * c * 9)
            for o in 0 ..< oc { for ch in 0 ..< c { for i in 0 ..< 3 { for j in 0 ..< 3 {
                var sum = 0.0
                for n in 0 ..< batch { for y in 0 ..< g.outputHeight { for xx in 0 ..< g.outputWidth {
                    let iy = y + i - p, ix = xx + j - p
                    guard iy >= 0 && iy < h && ix >= 0 && ix < w else { continue }
                    sum += Double(dy[n, o, y, xx]) * Double(x[n, ch, iy, ix])
                } } }
                expected[((o * c + ch) * 3 + i) * 3 + j] = Float(sum)
            } } } }
            for parallel in [false, true] {
                var got = [Float](repeating: 0.5, count: oc * c * 9)
                x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dp in got.withUnsafeMutableBufferPointer { gp in
                    winogradConv2dWeightGradient(input: xp.baseAddress!, dOutput: dp.baseAddress!, dWeight: gp.baseAddress!,
                                                 geometry: g, accumulate: true, parallelOverBatch: parallel)
                } } }
                var worst = 0.0
                for (a, e) in zip(got, expected) {
                    let error: Double = abs(Double(a) - 0.5 - Double(e))
                    worst = max(worst, error / (1 + abs(Double(e))))
                }
                // Float sums of up to 10⁴ products of O(1) values: observed worst 1.5e-5.
                #expect(worst < gradientTolerance, "N \(batch) \(h)×\(w) p \(p) parallel \(parallel): worst \(worst)")
            }
        }
    }

    @Test("conv2d with fused sigmoid")
    func convSigmoid() {
        let x = Ref.random([2, 3, 5, 5], seed: 4), w = Ref.random([4, 3, 3, 3], seed: 5), b = Ref.random([4], seed: 6)
        let r = GradientCheck.run([x, w, b], h: 1e-2) { v in
            conv2d(v[0], weight: v[1], bias: v[2], padding: 1, activation: .sigmoid)
        }
        #expect(r.worst < gradientTolerance, "worst \(r.worst)")
    }

    @Test("convTranspose2d: dInput, dWeight, dBias", arguments: [(3, 2, 1, 1, 1), (3, 1, 0, 0, 1), (4, 2, 1, 0, 1), (3, 2, 2, 1, 2)])
    func convTranspose(k: Int, s: Int, p: Int, op: Int, d: Int) {
        let x = Ref.random([2, 4, 3, 4], seed: 7), w = Ref.random([4, 3, k, k], seed: 8), b = Ref.random([3], seed: 9)
        let r = GradientCheck.run([x, w, b], h: 0.25) { v in
            convTranspose2d(v[0], weight: v[1], bias: v[2], stride: s, padding: p, outputPadding: op, dilation: d)
        }
        #expect(r.worst < gradientTolerance, "k\(k) s\(s) p\(p) op\(op) d\(d): worst \(r.worst)")
    }

    @Test("add, subtract, multiply, scale, concat")
    func elementwise() {
        let a = Ref.random([2, 3, 4, 3], seed: 10), b = Ref.random([2, 3, 4, 3], seed: 11), c = Ref.random([2, 2, 4, 3], seed: 12)
        for (name, f) in [
            ("add", { (v: [Variable]) in v[0] + v[1] }),
            ("subtract", { (v: [Variable]) in v[0] - v[1] }),
            ("multiply", { (v: [Variable]) in v[0] * v[1] }),
            ("scale", { (v: [Variable]) in 2.5 * v[0] + 0 * v[1] }),
            ("reuse", { (v: [Variable]) in v[0] * v[0] + v[0] }),
        ] as [(String, ([Variable]) -> Variable)] {
            let r = GradientCheck.run([a, b], h: 0.25, f)
            #expect(r.worst < gradientTolerance, "\(name): worst \(r.worst)")
        }
        let r = GradientCheck.run([a, c], h: 0.25) { v in concatChannels([v[0], v[1], v[0]]) }
        #expect(r.worst < gradientTolerance, "concat: worst \(r.worst)")
    }

    @Test("activations", arguments: ["relu", "leaky", "sigmoid", "tanh"])
    func activations(name: String) {
        let x = GradientCheck.awayFromZero([2, 3, 4, 5], seed: 13)
        let f: Activation = ["relu": .relu, "leaky": .leakyRelu(slope: 0.2), "sigmoid": .sigmoid, "tanh": .tanh][name]!
        let r = GradientCheck.run([x], h: 1e-2, probes: 40) { v in activation(v[0], f) }
        #expect(r.worst < gradientTolerance, "\(name): worst \(r.worst)")
    }

    @Test("max-pool and average-pool", arguments: [(2, 2, 0), (3, 2, 1), (3, 1, 0)])
    func pooling(k: Int, s: Int, p: Int) {
        let x = GradientCheck.distinct([2, 2, 7, 5], seed: 14)
        let rm = GradientCheck.run([x], h: 1e-2, probes: 40) { v in maxPool2d(v[0], kernelSize: k, stride: s, padding: p) }
        #expect(rm.worst < gradientTolerance, "max k\(k) s\(s) p\(p): worst \(rm.worst)")
        let ra = GradientCheck.run([x], h: 0.25, probes: 40) { v in avgPool2d(v[0], kernelSize: k, stride: s, padding: p) }
        #expect(ra.worst < gradientTolerance, "avg k\(k) s\(s) p\(p): worst \(ra.worst)")
    }

    @Test("nearest and bilinear upsampling, pixel shuffle, padding")
    func resampling() {
        let x = Ref.random([2, 4, 3, 5], seed: 15)
        for (name, f) in [
            ("nearest×2", { (v: [Variable]) in upsample(v[0], scale: 2) }),
            ("bilinear×2", { (v: [Variable]) in upsample(v[0], scale: 2, bilinear: true) }),
            ("bilinear×3", { (v: [Variable]) in upsample(v[0], scale: 3, bilinear: true) }),
            ("pixelShuffle", { (v: [Variable]) in pixelShuffle(v[0], factor: 2) }),
            ("reflect pad", { (v: [Variable]) in pad2d(v[0], top: 2, bottom: 1, left: 0, right: 3, mode: .reflect) }),
            ("replicate pad", { (v: [Variable]) in pad2d(v[0], top: 1, bottom: 2, left: 4, right: 1, mode: .replicate) }),
        ] as [(String, ([Variable]) -> Variable)] {
            let r = GradientCheck.run([x], h: 0.25, probes: 40, f)
            #expect(r.worst < gradientTolerance, "\(name): worst \(r.worst)")
        }
    }

    @Test("sum and mean")
    func reductions() {
        let x = Ref.random([3, 2, 4, 5], seed: 16)
        #expect(GradientCheck.run([x], h: 0.25) { v in sum(v[0]) }.worst < gradientTolerance)
        #expect(GradientCheck.run([x], h: 0.25) { v in mean(v[0]) }.worst < gradientTolerance)
        let m = mean(Variable(x)).value[0]
        #expect(abs(Double(m) - x.sum() / Double(x.count)) < 1e-7)
    }

    @Test("MSE, L1, Charbonnier losses")
    func losses() {
        let target = Ref.random([2, 3, 4, 4], seed: 17)
        var prediction = target
        let offsets = GradientCheck.awayFromZero([2, 3, 4, 4], seed: 18)
        for i in 0 ..< prediction.count { prediction[i] += 0.5 * offsets[i] }  // |p − t| ≥ 0.05: away from L1's kink
        for (name, f) in [
            ("mse", { (v: [Variable]) in mseLoss(v[0], target: target) }),
            ("l1", { (v: [Variable]) in l1Loss(v[0], target: target) }),
            ("charbonnier", { (v: [Variable]) in charbonnierLoss(v[0], target: target, epsilon: 0.1) }),
        ] as [(String, ([Variable]) -> Variable)] {
            let r = GradientCheck.run([prediction], h: 1e-2, probes: 40, f)
            #expect(r.worst < gradientTolerance, "\(name): worst \(r.worst)")
        }
        let mse = mseLoss(Variable(prediction), target: target).value[0]
        var expected = 0.0
        for i in 0 ..< target.count { expected += pow(Double(prediction[i] - target[i]), 2) }
        #expect(abs(Double(mse) - expected / Double(target.count)) < 1e-6)
    }
}
