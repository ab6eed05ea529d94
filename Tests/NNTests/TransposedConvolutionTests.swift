import Foundation
import Testing
@testable import Tensors

@Suite("Transposed convolution")
struct TransposedConvolutionTests {
    struct Case: CustomStringConvertible, Sendable {
        var kernel: Int, stride: Int, padding: Int, outputPadding: Int, dilation: Int
        var description: String { "k\(kernel) s\(stride) p\(padding) op\(outputPadding) d\(dilation)" }
    }

    static let cases: [Case] = {
        var out: [Case] = []
        for k in [1, 3] { for s in [1, 2] { for p in 0 ... 2 where p <= k - 1 || k == 3 { for op in 0 ..< s {
            out.append(Case(kernel: k, stride: s, padding: p, outputPadding: op, dilation: 1))
        } } } }
        out.append(Case(kernel: 3, stride: 2, padding: 2, outputPadding: 1, dilation: 2))
        out.append(Case(kernel: 4, stride: 2, padding: 1, outputPadding: 0, dilation: 1))
        return out.filter { c in (3 - 1) * c.stride - 2 * c.padding + c.dilation * (c.kernel - 1) + c.outputPadding + 1 >= 1 }
    }()

    @Test("forward matches the naive scatter loops (N 2, 3→5 channels, 3×4 input, bias)", arguments: cases)
    func matchesNaive(c: Case) {
        let x = Ref.random([2, 3, 3, 4], seed: 31), w = Ref.random([3, 5, c.kernel, c.kernel], seed: 32), b = Ref.random([5], seed: 33)
        let expected = Ref.convTranspose2d(x, w, b, stride: c.stride, padding: c.padding, outputPadding: c.outputPadding, dilation: c.dilation)
        let got = convTranspose2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding,
                                  outputPadding: c.outputPadding, dilation: c.dilation)
        #expect(got.shape == expected.shape)
        #expect(Ref.maxError(got, expected) < 1e-5, "\(c)")
    }

    @Test("k3 s2 p1 on wide inputs (the three-tap col2im pass: 8-wide lanes, tail, odd and even output widths)",
          arguments: [0, 1])
    func wideStrideTwo(outputPadding op: Int) {
        for width in [9, 21, 26] {
            let x = Ref.random([2, 3, 5, width], seed: 39), w = Ref.random([3, 5, 3, 3], seed: 40), b = Ref.random([5], seed: 41)
            let expected = Ref.convTranspose2d(x, w, b, stride: 2, padding: 1, outputPadding: op, dilation: 1)
            let got = convTranspose2d(x, weight: w, bias: b, stride: 2, padding: 1, outputPadding: op)
            #expect(got.shape == expected.shape)
            #expect(Ref.maxError(got, expected) < 1e-5, "width \(width) op \(op)")
        }
    }

    @Test("k3 s2 p1 writes every output pixel without zeroing first, bias and ReLU once (NaN-filled outputs; one block and 2-row blocks)",
          arguments: [0, 1])
    func storesWithoutZeroing(outputPadding op: Int) {
        for width in [9, 21] {
            for blockRows in [nil, 2] as [Int?] {
                let x = Ref.random([2, 4, 7, width], seed: 52), w = Ref.random([4, 3, 3, 3], seed: 53), b = Ref.random([3], seed: 54)
                let bigH = 2 * 7 - 1 + op, bigW = 2 * width - 1 + op
                let g = Conv2dGeometry.transposed(batch: 2, inputChannels: 4, inputHeight: 7, inputWidth: width, outputChannels: 3,
                                                  kernelSize: 3, stride: 2, padding: 1, outputPadding: op)
                var y = Tensor(shape: [2, 3, bigH, bigW], repeating: .nan)
                // The input gradient of the convolution big → small is the same transposed convolution.
                let conv = Conv2dGeometry(batch: 2, inputChannels: 3, inputHeight: bigH, inputWidth: bigW, outputChannels: 4,
                                          kernelSize: 3, stride: 2, padding: 1)
                let big = Tensor(shape: [2, 3, bigH, bigW])  // the convolution's input: unused without dWeight
                var dx = Tensor(shape: [2, 3, bigH, bigW], repeating: .nan)
                ConvolutionTesting.$workspaceFloats.withValue(blockRows.map { 3 * 9 * width * $0 }) {
                    withExtendedLifetime((x, w, b, big)) {
                        convTranspose2dForward(input: x.unsafePointer, weight: w.unsafePointer, bias: b.unsafePointer,
                                               output: y.unsafeMutablePointer(), geometry: g, activation: .relu)
                        conv2dBackward(input: big.unsafePointer, weight: w.unsafePointer, dOutput: x.unsafePointer,
                                       dInput: dx.unsafeMutablePointer(), dWeight: nil, dBias: nil, geometry: conv)
                    }
                }
                let label = "width \(width) op \(op) block rows \(blockRows.map(String.init) ?? "all")"
                let expected = relu(Ref.convTranspose2d(x, w, b, stride: 2, padding: 1, outputPadding: op, dilation: 1))
                #expect(Ref.maxError(y, expected) < 1e-5, "bias and ReLU applied once, \(label)")
                #expect(Ref.maxError(dx, Ref.convTranspose2d(x, w, nil, stride: 2, padding: 1, outputPadding: op, dilation: 1)) < 1e-5,
                        "conv dInput, \(label)")
            }
        }
    }

    @Test("backward from one im2col per block: dInput and dWeight equal the naive sums (serial, parallel, row blocks, accumulate)")
    func sharedColumnGradients() {
        let (batch, cs, cb, hs, ws) = (3, 6, 3, 5, 11)
        let (bigH, bigW) = (2 * hs, 2 * ws)
        let x = Ref.random([batch, cs, hs, ws], seed: 55), w = Ref.random([cs, cb, 3, 3], seed: 56)
        let dy = Ref.random([batch, cb, bigH, bigW], seed: 57)
        let g = Conv2dGeometry.transposed(batch: batch, inputChannels: cs, inputHeight: hs, inputWidth: ws, outputChannels: cb,
                                          kernelSize: 3, stride: 2, padding: 1, outputPadding: 1)
        let expectedDx = Ref.conv2d(dy, w, nil, stride: 2, padding: 1)
        // Naive twin: dW[s, b, i, j] = Σ_n Σ_y Σ_x x[n, s, y, x] · dY[n, b, 2y + i − 1, 2x + j − 1], in Double.
        var expectedDw = [Float](repeating: 0, count: cs * cb * 9)
        for s in 0 ..< cs { for b in 0 ..< cb { for i in 0 ..< 3 { for j in 0 ..< 3 {
            var sum = 0.0
            for n in 0 ..< batch { for y in 0 ..< hs { for xx in 0 ..< ws {
                let by = 2 * y + i - 1, bx = 2 * xx + j - 1
                guard by >= 0 && by < bigH && bx >= 0 && bx < bigW else { continue }
                sum += Double(x[n, s, y, xx]) * Double(dy[n, b, by, bx])
            } } }
            expectedDw[((s * cb + b) * 3 + i) * 3 + j] = Float(sum)
        } } } }
        for parallel in [false, true] {
            for blockRows in [nil, 2] as [Int?] {
                var dx = Tensor(shape: [batch, cs, hs, ws], repeating: .nan)
                var dw = Tensor(shape: [cs, cb, 3, 3], repeating: .nan)
                ConvolutionTesting.$workspaceFloats.withValue(blockRows.map { cb * 9 * ws * $0 }) {
                    withExtendedLifetime((x, w, dy)) {
                        for accumulate in [false, true] {  // the second pass adds the same gradients again
                            convTranspose2dBackward(input: x.unsafePointer, weight: w.unsafePointer, dOutput: dy.unsafePointer,
                                                    dInput: dx.unsafeMutablePointer(), dWeight: dw.unsafeMutablePointer(), dBias: nil,
                                                    geometry: g, accumulate: accumulate, parallelOverBatch: parallel)
                        }
                    }
                }
                let label = "parallel \(parallel), block rows \(blockRows.map(String.init) ?? "all")"
                #expect(Ref.maxError(dx, Tensor(shape: dx.shape, scalars: expectedDx.scalars.map { 2 * $0 })) < 1e-5, "dInput, \(label)")
                #expect(Ref.maxError(dw, Tensor(shape: dw.shape, scalars: expectedDw.map { 2 * $0 })) < 1e-5, "dWeight, \(label)")
            }
        }
    }

    @Test("Keras-style 'same' doubling: k3 s2 p1 op1 maps 16×16 to 32×32")
    func doubling() {
        let y = convTranspose2d(Ref.random([1, 2, 16, 16], seed: 34), weight: Ref.random([2, 3, 3, 3], seed: 35),
                                stride: 2, padding: 1, outputPadding: 1)
        #expect(y.shape == [1, 3, 32, 32])
    }

    @Test("adjoint identity ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩ on odd sizes", arguments: [(3, 1, 1, 1), (3, 2, 0, 1), (3, 2, 1, 1), (5, 2, 2, 1), (3, 2, 2, 2), (1, 1, 0, 1)])
    func adjoint(k: Int, s: Int, p: Int, d: Int) {
        let x = Ref.random([2, 3, 9, 7], seed: 36), w = Ref.random([4, 3, k, k], seed: 37)
        let cx = conv2d(x, weight: w, stride: s, padding: p, dilation: d)
        let y = Ref.random(cx.shape, seed: 38)
        // The transposed convolution that lands exactly on 9×7: pick outputPadding accordingly.
        let oh = (cx.shape[2] - 1) * s - 2 * p + d * (k - 1) + 1, ow = (cx.shape[3] - 1) * s - 2 * p + d * (k - 1) + 1
        let g = Conv2dGeometry(batch: 2, inputChannels: 3, inputHeight: 9, inputWidth: 7, outputChannels: 4,
                               kernelHeight: k, kernelWidth: k, strideY: s, strideX: s, paddingY: p, paddingX: p,
                               dilationY: d, dilationX: d)
        #expect(9 - oh < s && 7 - ow < s)
        var ty = Tensor(shape: x.shape)
        y.withUnsafeBufferPointer { yp in w.withUnsafeBufferPointer { wp in ty.withUnsafeMutableBufferPointer { tp in
            convTranspose2dForward(input: yp.baseAddress!, weight: wp.baseAddress!, bias: nil, output: tp.baseAddress!, geometry: g)
        } } }
        var lhs = 0.0, rhs = 0.0
        for i in 0 ..< cx.count { lhs += Double(cx[i]) * Double(y[i]) }
        for i in 0 ..< x.count { rhs += Double(x[i]) * Double(ty[i]) }
        #expect(abs(lhs - rhs) <= 1e-5 * max(1, abs(lhs)), "⟨Ax, y⟩ = \(lhs), ⟨x, Aᵀy⟩ = \(rhs)")
        #expect(abs(lhs) > 1)
    }
}
