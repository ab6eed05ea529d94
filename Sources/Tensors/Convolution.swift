import Foundation
import ImageCore

// 2-D convolution as im2col + sgemm (Chellapilla et al. 2006), with its two gradients.
//
// Algorithm (per image, per group, per block of output rows):
//   columns (K, B)       = im2col(input)                  K = (C/G)·KH·KW, B = rows·OW
//   out     (OC/G, B)    = weight_g (OC/G, K) · columns
//   dWeight (OC/G, K)   += dOut (OC/G, B) · columnsᵀ
//   dCols   (K, B)       = weight_gᵀ · dOut ;  dInput += col2im(dCols)
// Schedule: output rows are cut into blocks so one worker's column buffer stays under
// `convolutionWorkspaceFloats`; items are spread as `ConvolutionSchedule` says.
// Dispatch: layers with ≤ 4 outputs go to the direct kernel (ThinConvolution.swift); 3×3 stride-1
// layers with ≥ 8 channels each way to Winograd F(2×2, 3×3) (Winograd.swift) for the forward pass,
// the input gradient and the weight gradient; everything else (strides, dilation, groups, other
// kernels) is im2col + sgemm.

/// Largest im2col block per worker, in floats (4 MiB; `DEBLUR_IM2COL_FLOATS` overrides): small
/// enough that a block is still in cache when sgemm packs it (measured on the 512² U-Net: 4 MiB
/// blocks ran its 32-channel layers at ~170 GFLOP/s, 16 MiB blocks at ~145), large enough for long
/// sgemm rows; and a 4000×3000 inference never builds a gigabyte-sized column matrix.
public let convolutionWorkspaceFloats: Int = {
    if let text = ProcessInfo.processInfo.environment["DEBLUR_IM2COL_FLOATS"], let n = Int(text), n > 0 { return n }
    return 1 << 20
}()

/// Whether 3×3 stride-1 convolutions use Winograd F(2×2, 3×3) (`DEBLUR_WINOGRAD=0` turns it off).
nonisolated(unsafe) var useWinograd = ProcessInfo.processInfo.environment["DEBLUR_WINOGRAD"] != "0"

/// Tests bind this (task-locally, so concurrently running tests are unaffected) to force several
/// row blocks on small inputs; nil in normal use.
enum ConvolutionTesting {
    @TaskLocal static var workspaceFloats: Int?
}

/// Output rows per im2col block for a geometry.
@inline(__always)
func rowsPerBlock(_ g: Conv2dGeometry) -> Int {
    let budget = ConvolutionTesting.workspaceFloats ?? convolutionWorkspaceFloats
    return max(1, min(g.outputHeight, budget / max(1, g.patchSize * g.groups * g.outputWidth)))
}

/// Forward convolution with fused bias and activation.
///
///     input (N, C, H, W), weight (OC, C/G, KH, KW), bias (OC) or nil -> output (N, OC, OH, OW)
///     output = activation(conv(input, weight) + bias)
///
/// - Parameters:
///   - parallelOverBatch: true spreads work items — (image, block of output rows) pairs, with
///     blocks small enough that even one image gives every worker rows — over `parallelFor`
///     workers with single-threaded sgemm, so im2col and the epilogue run in parallel too;
///     false runs the items in turn with OpenBLAS's own threads (see `BLASThreads`).
public func conv2dForward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry,
                          activation: Activation = .identity, parallelOverBatch: Bool = false) {
    if isThinConvolution(g) {
        thinConv2dForward(input: input, weight: weight, bias: bias, output: output, geometry: g, activation: activation)
        return
    }
    if isWinogradConvolution(g) && useWinograd {
        winogradConv2dForward(input: input, weight: weight, bias: bias, output: output, geometry: g,
                              activation: activation, parallelOverBatch: parallelOverBatch)
        return
    }
    let groupChannels = g.inputChannels / g.groups, m = g.outputChannels / g.groups
    let k = g.patchSize, plane = g.outputPlane, ow = g.outputWidth, oh = g.outputHeight
    let workers = parallelOverBatch ? workerThreadCount : 1
    var blockRows = rowsPerBlock(g)
    if workers > g.batch {  // too few images to share out: cut each into at least ⌈workers/N⌉ row blocks
        blockRows = min(blockRows, max(1, oh / ((workers + g.batch - 1) / g.batch)))
    }
    let blocks = (oh + blockRows - 1) / blockRows
    let workspace = g.isPointwise ? nil : TensorStorage(uninitializedCount: workers * k * g.groups * blockRows * ow)
    BLASThreads.run(g.batch * blocks, parallelOverBatch: parallelOverBatch) { worker, item in
        let n = item / blocks, r0 = item % blocks * blockRows, r1 = min(oh, r0 + blockRows), b = (r1 - r0) * ow
        let out = output + n &* g.outputImageSize
        let columns: UnsafeMutablePointer<Float>, ldColumns: Int
        if g.isPointwise {
            // 1×1 stride-1 convolution: the input planes already are the column matrix.
            columns = UnsafeMutablePointer(mutating: input + n &* g.inputImageSize + r0 &* ow)
            ldColumns = plane
        } else {
            columns = workspace!.pointer + worker &* k &* g.groups &* blockRows &* ow
            ldColumns = b
            im2col(image: input + n &* g.inputImageSize, channels: g.inputChannels, geometry: g, rows: r0 ..< r1,
                   columns: columns, ld: b)
        }
        for grp in 0 ..< g.groups {
            sgemm(m: m, n: b, k: k, a: weight + grp &* m &* k, lda: k,
                  b: columns + grp &* (g.isPointwise ? groupChannels &* plane : k &* b), ldb: ldColumns,
                  c: out + grp &* m &* plane + r0 &* ow, ldc: plane)
        }
        for c in 0 ..< g.outputChannels {
            biasActivationForward(out + c &* plane + r0 &* ow, bias: bias.map { $0 + c }, batch: 1, channels: 1,
                                  plane: b, activation: activation)
        }
    }
}

/// Gradients of `conv2dForward` without activation (apply `activationBackward` to `dOutput` first).
///
///     input (N, C, H, W), weight (OC, C/G, KH, KW), dOutput (N, OC, OH, OW)
///       -> dInput (N, C, H, W), dWeight (OC, C/G, KH, KW), dBias (OC)
///
/// Pass nil for a gradient that is not needed. With `accumulate` the gradients are added to the
/// buffers' contents, otherwise they overwrite them.
public func conv2dBackward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                           dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
                           dBias: UnsafeMutablePointer<Float>?, geometry g: Conv2dGeometry,
                           accumulate: Bool = false, parallelOverBatch: Bool = false) {
    if isThinConvolution(g) && g.paddingY <= g.dilationY * (g.kernelHeight - 1) && g.paddingX <= g.dilationX * (g.kernelWidth - 1) {
        thinConv2dBackward(input: input, weight: weight, dOutput: dOutput, dInput: dInput, dWeight: dWeight, dBias: dBias,
                           geometry: g, accumulate: accumulate)
        return
    }
    if let dBias {
        biasBackward(dOutput: dOutput, dBias: dBias, batch: g.batch, channels: g.outputChannels,
                     plane: g.outputPlane, accumulate: accumulate)
    }
    var dInput = dInput
    if let target = dInput, isWinogradConvolution(g) && useWinograd {
        // dInput = conv(dOutput, w′) with w′ the flipped, transposed weight and padding 2 − p: itself a
        // 3×3 stride-1 convolution, so Winograd too (no col2im, 2.25× fewer multiplies).
        let flipped = flippedTransposedWeight3x3(weight, outputChannels: g.outputChannels, inputChannels: g.inputChannels)
        let back = Conv2dGeometry(batch: g.batch, inputChannels: g.outputChannels, inputHeight: g.outputHeight,
                                  inputWidth: g.outputWidth, outputChannels: g.inputChannels, kernelHeight: 3, kernelWidth: 3,
                                  strideY: 1, strideX: 1, paddingY: 2 - g.paddingY, paddingX: 2 - g.paddingX)
        if accumulate {
            let scratch = TensorStorage(uninitializedCount: g.batch * g.inputImageSize)
            winogradConv2dForward(input: dOutput, weight: flipped.pointer, bias: nil, output: scratch.pointer, geometry: back,
                                  parallelOverBatch: parallelOverBatch)
            for i in 0 ..< scratch.count { target[i] += scratch.pointer[i] }
        } else {
            winogradConv2dForward(input: dOutput, weight: flipped.pointer, bias: nil, output: target, geometry: back,
                                  parallelOverBatch: parallelOverBatch)
        }
        dInput = nil
    }
    var dWeight = dWeight
    if let target = dWeight, isWinogradConvolution(g) && useWinograd {
        winogradConv2dWeightGradient(input: input, dOutput: dOutput, dWeight: target, geometry: g, accumulate: accumulate,
                                     parallelOverBatch: parallelOverBatch)
        dWeight = nil
    }
    if dInput == nil && dWeight == nil { return }
    let groupChannels = g.inputChannels / g.groups, m = g.outputChannels / g.groups
    let k = g.patchSize, plane = g.outputPlane, ow = g.outputWidth
    let blockRows = rowsPerBlock(g)
    let workers = parallelOverBatch ? min(g.batch, workerThreadCount) : 1
    let blockSize = k * g.groups * blockRows * ow
    // Per worker: one column block and one gradient-column block; dWeight partial sums for workers > 0.
    let workspace = TensorStorage(uninitializedCount: workers * 2 * blockSize)
    let partials = workers > 1 && dWeight != nil ? TensorStorage(count: (workers - 1) * g.weightCount, repeating: 0) : nil
    if let dWeight, !accumulate { dWeight.update(repeating: 0, count: g.weightCount) }
    BLASThreads.run(g.batch, parallelOverBatch: parallelOverBatch) { worker, n in
        let image = input + n &* g.inputImageSize
        let dOut = dOutput + n &* g.outputImageSize
        let columns = workspace.pointer + worker &* 2 &* blockSize, dColumns = columns + blockSize
        let dW: UnsafeMutablePointer<Float>? = worker == 0 ? dWeight : partials.map { $0.pointer + (worker - 1) &* g.weightCount }
        // A plain (not accumulating) 3×3 stride-2 input gradient is stored by col2im, not zeroed first.
        let storedInput = !accumulate && isThreeTapStrideTwo(g)
        if let dInput {
            let dImage = dInput + n &* g.inputImageSize
            if !(accumulate || storedInput) { dImage.update(repeating: 0, count: g.inputImageSize) }
            if g.isPointwise {
                for grp in 0 ..< g.groups {
                    sgemm(transposeA: true, m: k, n: plane, k: m, a: weight + grp &* m &* k, lda: k,
                          b: dOut + grp &* m &* plane, ldb: plane, beta: 1,
                          c: dImage + grp &* groupChannels &* plane, ldc: plane)
                }
            }
        }
        if g.isPointwise {
            if let dW {
                for grp in 0 ..< g.groups {
                    sgemm(transposeB: true, m: m, n: k, k: plane, a: dOut + grp &* m &* plane, lda: plane,
                          b: image + grp &* groupChannels &* plane, ldb: plane, beta: 1,
                          c: dW + grp &* m &* k, ldc: k)
                }
            }
            return
        }
        var r0 = 0
        while r0 < g.outputHeight {
            let r1 = min(g.outputHeight, r0 + blockRows), b = (r1 - r0) * ow
            if let dW {
                im2col(image: image, channels: g.inputChannels, geometry: g, rows: r0 ..< r1, columns: columns, ld: b)
                for grp in 0 ..< g.groups {
                    sgemm(transposeB: true, m: m, n: k, k: b, a: dOut + grp &* m &* plane + r0 &* ow, lda: plane,
                          b: columns + grp &* k &* b, ldb: b, beta: 1, c: dW + grp &* m &* k, ldc: k)
                }
            }
            if let dInput {
                for grp in 0 ..< g.groups {
                    sgemm(transposeA: true, m: k, n: b, k: m, a: weight + grp &* m &* k, lda: k,
                          b: dOut + grp &* m &* plane + r0 &* ow, ldb: plane,
                          c: dColumns + grp &* k &* b, ldc: b)
                }
                col2im(columns: dColumns, ld: b, channels: g.inputChannels, geometry: g, rows: r0 ..< r1,
                       image: dInput + n &* g.inputImageSize, overwrite: storedInput)
            }
            r0 = r1
        }
    }
    if let dWeight, let partials { addWorkerPartials(partials, into: dWeight, count: g.weightCount) }
}

/// Adds the weight-gradient partial sums of workers 1 … (each `count` floats, one after another in
/// `partials`) into worker 0's `target`.
func addWorkerPartials(_ partials: TensorStorage, into target: UnsafeMutablePointer<Float>, count: Int) {
    for w in 0 ..< partials.count / count {
        let p = partials.pointer + w &* count
        for i in 0 ..< count { target[i] += p[i] }
    }
}
