import Foundation
import Testing
@testable import Tensors

/// The optimised im2col + sgemm convolution against the naive twin, on odd sizes.
@Suite("Convolution forward", .serialized)
struct ConvolutionForwardTests {
    struct Case: CustomStringConvertible, Sendable {
        var kernel: Int, stride: Int, padding: Int, dilation: Int, groups: Int
        var description: String { "k\(kernel) s\(stride) p\(padding) d\(dilation) g\(groups)" }
    }

    static let cases: [Case] = {
        var out: [Case] = []
        for k in [1, 3] { for s in [1, 2] { for p in 0 ... 2 { for d in [1, 2] where !(k == 1 && d == 2) {
            out.append(Case(kernel: k, stride: s, padding: p, dilation: d, groups: 1))
        } } } }
        out.append(Case(kernel: 5, stride: 2, padding: 2, dilation: 1, groups: 1))
        out.append(Case(kernel: 3, stride: 1, padding: 1, dilation: 1, groups: 3))
        out.append(Case(kernel: 3, stride: 2, padding: 0, dilation: 1, groups: 3))
        out.append(Case(kernel: 1, stride: 1, padding: 0, dilation: 1, groups: 3))
        return out
    }()

    @Test("matches the naive loops (N 2, 3→6 channels, 7×9 input, bias)", arguments: cases)
    func matchesNaive(c: Case) {
        let x = Ref.random([2, 3, 7, 9], seed: 1)
        let w = Ref.random([6, 3 / c.groups, c.kernel, c.kernel], seed: 2)
        let b = Ref.random([6], seed: 3)
        let expected = Ref.conv2d(x, w, b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        let got = conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        #expect(got.shape == expected.shape)
        #expect(Ref.maxError(got, expected) < 1e-5, "\(c)")
    }

    @Test("thin layer with many channels: the input is padded in bands of output rows (several bands, odd rows)",
          arguments: [(1, 1), (2, 2)])
    func thinBands(p: Int, d: Int) {
        // 200 channels × 114-float padded rows: bands of 2 output rows (512 KiB of padded input each).
        let x = Ref.random([2, 200, 13, 100], seed: 45), w = Ref.random([3, 200, 3, 3], seed: 46), b = Ref.random([3], seed: 47)
        let g = Conv2dGeometry(batch: 2, inputChannels: 200, inputHeight: 13, inputWidth: 100, outputChannels: 3,
                               kernelSize: 3, padding: p, dilation: d)
        #expect(isThinConvolution(g))
        let got = conv2d(x, weight: w, bias: b, padding: p, dilation: d)
        #expect(Ref.maxError(got, Ref.conv2d(x, w, b, stride: 1, padding: p, dilation: d)) < 1e-4, "p \(p) d \(d)")
    }

    @Test("thin layers (≤ 4 outputs, stride 1: the direct kernel) match the naive loops",
          arguments: [(3, 3, 1, 1), (1, 3, 0, 1), (4, 5, 2, 1), (2, 3, 2, 2), (3, 3, 1, 1)])
    func thin(oc: Int, k: Int, p: Int, d: Int) {
        for batch in [1, 3] {
            let x = Ref.random([batch, 5, 9, 21], seed: 40), w = Ref.random([oc, 5, k, k], seed: 41), b = Ref.random([oc], seed: 42)
            let g = Conv2dGeometry(batch: batch, inputChannels: 5, inputHeight: 9, inputWidth: 21, outputChannels: oc,
                                   kernelSize: k, padding: p, dilation: d)
            #expect(isThinConvolution(g))
            let got = conv2d(x, weight: w, bias: b, padding: p, dilation: d, activation: .sigmoid)
            let expected = activation(Ref.conv2d(x, w, b, stride: 1, padding: p, dilation: d), .sigmoid)
            #expect(Ref.maxError(got, expected) < 1e-5, "oc \(oc) k \(k) p \(p) d \(d) N \(batch)")
        }
    }

    @Test("Winograd F(2×2, 3×3) layers (3×3, stride 1, ≥ 8 channels) match the naive loops", arguments: [0, 1, 2])
    func winograd(padding: Int) {
        // 70×140 spans several bands of tile rows (winogradBandFloats); widths give 1-wide and 8-wide tile groups.
        for (batch, h, w) in [(1, 9, 7), (3, 6, 11), (2, 1, 5), (1, 5, 29), (1, 70, 141)] where h + 2 * padding >= 3 {
            let x = Ref.random([batch, 9, h, w], seed: 52), wt = Ref.random([10, 9, 3, 3], seed: 53), b = Ref.random([10], seed: 54)
            let g = Conv2dGeometry(batch: batch, inputChannels: 9, inputHeight: h, inputWidth: w, outputChannels: 10,
                                   kernelSize: 3, padding: padding)
            #expect(isWinogradConvolution(g))
            let got = conv2d(x, weight: wt, bias: b, padding: padding, activation: .relu)
            #expect(Ref.maxError(got, relu(Ref.conv2d(x, wt, b, stride: 1, padding: padding))) < 1e-5,
                    "N \(batch) \(h)×\(w) p \(padding)")
        }
    }

    @Test("fused ReLU equals ReLU of the plain result; parallel-over-batch equals serial")
    func fusedAndParallel() {
        let x = Ref.random([3, 4, 11, 5], seed: 4), w = Ref.random([5, 4, 3, 3], seed: 5), b = Ref.random([5], seed: 6)
        let plain = conv2d(x, weight: w, bias: b, padding: 1)
        let fused = conv2d(x, weight: w, bias: b, padding: 1, activation: .relu)
        #expect(fused == relu(plain))
        #expect(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0.5 })
        let g = Conv2dGeometry(batch: 3, inputChannels: 4, inputHeight: 11, inputWidth: 5, outputChannels: 5, kernelSize: 3, padding: 1)
        var par = Tensor(shape: plain.shape)
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in b.withUnsafeBufferPointer { bp in
            par.withUnsafeMutableBufferPointer { yp in
                conv2dForward(input: xp.baseAddress!, weight: wp.baseAddress!, bias: bp.baseAddress!,
                              output: yp.baseAddress!, geometry: g, parallelOverBatch: true)
            }
        } } }
        #expect(par.maxAbsDifference(plain) < 1e-6)
    }

    @Test("parallel work items: one image split into row blocks (conv, thin conv) or channel ranges (transposed conv)")
    func parallelSplits() {
        for batch in [1, 3] {
            let x = Ref.random([batch, 4, 13, 6], seed: 43), w = Ref.random([5, 4, 3, 3], seed: 44), b = Ref.random([5], seed: 45)
            let g = Conv2dGeometry(batch: batch, inputChannels: 4, inputHeight: 13, inputWidth: 6, outputChannels: 5, kernelSize: 3, padding: 1)
            var y = Tensor(shape: [batch, 5, 13, 6])
            withExtendedLifetime((x, w, b)) {
                conv2dForward(input: x.unsafePointer, weight: w.unsafePointer, bias: b.unsafePointer, output: y.unsafeMutablePointer(),
                              geometry: g, parallelOverBatch: true)
            }
            #expect(Ref.maxError(y, Ref.conv2d(x, w, b, stride: 1, padding: 1)) < 1e-5, "conv N \(batch)")

            let wt = Ref.random([4, 5, 3, 3], seed: 46)
            let gt = Conv2dGeometry.transposed(batch: batch, inputChannels: 4, inputHeight: 13, inputWidth: 6, outputChannels: 5,
                                               kernelSize: 3, stride: 2, padding: 1, outputPadding: 1)
            var yt = Tensor(shape: [batch, 5, 26, 12])
            withExtendedLifetime((x, wt, b)) {
                convTranspose2dForward(input: x.unsafePointer, weight: wt.unsafePointer, bias: b.unsafePointer,
                                       output: yt.unsafeMutablePointer(), geometry: gt, parallelOverBatch: true)
            }
            #expect(Ref.maxError(yt, Ref.convTranspose2d(x, wt, b, stride: 2, padding: 1, outputPadding: 1)) < 1e-5, "convT N \(batch)")
        }
    }

    @Test("stride 2 on wide rows (the 8-lane im2col / col2im paths) matches the naive loops", arguments: [0, 1, 2])
    func wideStride2(padding: Int) {
        let x = Ref.random([2, 3, 5, 41], seed: 47), w = Ref.random([4, 3, 3, 3], seed: 48), b = Ref.random([4], seed: 49)
        #expect(Ref.maxError(conv2d(x, weight: w, bias: b, stride: 2, padding: padding),
                             Ref.conv2d(x, w, b, stride: 2, padding: padding)) < 1e-5)
        let xs = Ref.random([2, 3, 4, 23], seed: 50)
        let wt = Ref.random([3, 4, 3, 3], seed: 51)
        let op = padding == 2 ? 0 : 1
        #expect(Ref.maxError(convTranspose2d(xs, weight: wt, bias: b, stride: 2, padding: padding, outputPadding: op),
                             Ref.convTranspose2d(xs, wt, b, stride: 2, padding: padding, outputPadding: op)) < 1e-5)
    }

    @Test("row blocks give the same result as one block")
    func rowBlocks() {
        let x = Ref.random([1, 2, 13, 6], seed: 7), w = Ref.random([3, 2, 3, 3], seed: 8)
        let whole = conv2d(x, weight: w, stride: 1, padding: 2, dilation: 2)
        let blocked = ConvolutionTesting.$workspaceFloats.withValue(2 * 9 * 6 * 2) {  // two output rows per block
            conv2d(x, weight: w, stride: 1, padding: 2, dilation: 2)
        }
        #expect(blocked.maxAbsDifference(whole) < 1e-6)
        #expect(Ref.maxError(blocked, Ref.conv2d(x, w, nil, stride: 1, padding: 2, dilation: 2)) < 1e-5)
    }

    @Test("AlexNet's first layer shape: 11×11 stride 4 padding 2 on 3×64×64 gives 64×15×15")
    func alexShape() {
        let x = Ref.random([1, 3, 64, 64], seed: 9), w = Ref.random([8, 3, 11, 11], seed: 10)
        let y = conv2d(x, weight: w, stride: 4, padding: 2)
        #expect(y.shape == [1, 8, 15, 15])
        #expect(Ref.maxError(y, Ref.conv2d(x, w, nil, stride: 4, padding: 2)) < 1e-5)
    }
}

@Suite("Pooling, padding and activations (forward)")
struct PoolingForwardTests {
    @Test("max pool matches the naive loops", arguments: [(3, 2, 0), (3, 1, 0), (2, 2, 0), (3, 2, 1)])
    func maxPool(k: Int, s: Int, p: Int) {
        let x = Ref.random([2, 3, 9, 7], seed: 11)
        let y = maxPool2d(x, kernelSize: k, stride: s, padding: p)
        #expect(y == Ref.maxPool(x, k: k, s: s, p: p))
    }

    @Test("average pool of a known ramp")
    func avgPool() {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(avgPool2d(x, kernelSize: 2).scalars == [3.5, 5.5])
        // 3×3 window, stride 2, padding 1: corners average only the in-image positions.
        #expect(avgPool2d(x, kernelSize: 3, stride: 2, padding: 1).scalars == [3.5, 5])
    }

    @Test("pad2d modes on a row", arguments: [
        (PaddingMode.zero, [0, 0, 1, 2, 3, 4, 0] as [Float]),
        (.reflect, [3, 2, 1, 2, 3, 4, 3]),
        (.symmetric, [2, 1, 1, 2, 3, 4, 4]),
        (.replicate, [1, 1, 1, 2, 3, 4, 4]),
    ])
    func padding(mode: PaddingMode, expected: [Float]) {
        let x = Tensor(shape: [1, 1, 1, 4], scalars: [1, 2, 3, 4])
        #expect(pad2d(x, top: 0, bottom: 0, left: 2, right: 1, mode: mode).scalars == expected)
    }

    @Test("relu and sigmoid values")
    func activations() {
        let x = Tensor(shape: [4], scalars: [-2, -0.5, 0, 3])
        #expect(relu(x).scalars == [0, 0, 0, 3])
        let s = activation(x, .sigmoid).scalars
        #expect(abs(s[0] - 0.11920292) < 1e-7 && s[2] == 0.5 && abs(s[3] - 0.95257413) < 1e-7)
        #expect(activation(x, .leakyRelu(slope: 0.2)).scalars == [-0.4, -0.1, 0, 3])
    }

    @Test("bias gradient (SIMD Double accumulators, channels over workers) equals the plain Double sum",
          arguments: [(2, 3, 37), (3, 7, 4001), (1, 5, 31)])
    func biasGradient(batch: Int, channels: Int, plane: Int) {
        let dy = Ref.random([batch, channels, plane], seed: 5)
        var db = [Float](repeating: 0.25, count: channels)
        for accumulate in [false, true] {
            let before = db
            dy.withUnsafeBufferPointer { p in
                biasBackward(dOutput: p.baseAddress!, dBias: &db, batch: batch, channels: channels, plane: plane, accumulate: accumulate)
            }
            for c in 0 ..< channels {
                var s = 0.0
                for n in 0 ..< batch { for i in 0 ..< plane { s += Double(dy[(n * channels + c) * plane + i]) } }
                let expected = accumulate ? Double(before[c]) + s : s
                #expect(abs(Double(db[c]) - expected) <= 1e-6 * max(1, abs(expected)), "channel \(c), accumulate \(accumulate)")
            }
        }
    }
}
