import Foundation
import ImageCore

// Transposed 2-D convolution: the adjoint of `conv2dForward` with respect to its input, described
// by the geometry `g` of that convolution (`Conv2dGeometry.transposed`). With the convolution
// mapping big (N, Cb, Hb, Wb) -> small (N, Cs, Hs, Ws), the transposed convolution maps
// small -> big:
//
//     columns (Cb·KH·KW, B) = weight_gᵀ (Cb·KH·KW, Cs) · x_small (Cs, B)      B = block of small-side pixels
//     y_big                 = col2im(columns) + bias, then activation
//
// Weight (Cs, Cb, KH, KW) is PyTorch's ConvTranspose2d layout (in_channels, out_channels, kH, kW).
// Gradients follow from adjointness: dInput = conv2d(dY, weight), dWeight = conv dWeight with the
// roles of input and output exchanged, dBias = Σ dY per big-side channel.

/// Forward transposed convolution with fused bias and activation.
///
///     input (N, Cs, Hs, Ws), weight (Cs, Cb, KH, KW), bias (Cb) or nil -> output (N, Cb, Hb, Wb)
///
/// where `g` is the convolution big -> small (`g.inputChannels == Cb`, `g.outputChannels == Cs`).
/// Groups are not supported (`g.groups == 1`).
public func convTranspose2dForward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                   output: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry,
                                   activation: Activation = .identity, parallelOverBatch: Bool = false) {
    precondition(g.groups == 1, "Transposed convolution supports one group, got \(g.groups)")
    let k = g.patchSize, m = g.outputChannels, plane = g.outputPlane, ow = g.outputWidth
    let taps = g.kernelHeight * g.kernelWidth, bigPlane = g.inputHeight * g.inputWidth
    let blockRows = rowsPerBlock(g)
    let workers = parallelOverBatch ? workerThreadCount : 1
    // Work items: (image, range of big-side channels). col2im of one image's row blocks overlaps, so
    // an image is never split by rows; with fewer images than workers its channels are split instead.
    let chunks = workers > g.batch ? min(g.inputChannels, (workers + g.batch - 1) / g.batch) : 1
    let workspace = TensorStorage(uninitializedCount: workers * k * blockRows * ow)
    BLASThreads.run(g.batch * chunks, parallelOverBatch: parallelOverBatch) { worker, item in
        let n = item / chunks, chunk = item % chunks
        let c0 = g.inputChannels * chunk / chunks, c1 = g.inputChannels * (chunk + 1) / chunks
        let small = input + n &* g.outputImageSize
        let big = output + n &* g.inputImageSize + c0 &* bigPlane
        let rows = (c1 - c0) * taps
        if g.isPointwise {
            sgemm(transposeA: true, m: rows, n: plane, k: m, a: weight + c0 &* taps, lda: k, b: small, ldb: plane, c: big, ldc: plane)
        } else {
            // With a 3×3 stride-2 kernel col2im stores each pixel's first contribution (row blocks
            // below go in increasing order, as it needs), so nothing is zeroed first.
            let stored = isThreeTapStrideTwo(g)
            if !stored { big.update(repeating: 0, count: (c1 - c0) &* bigPlane) }
            let columns = workspace.pointer + worker &* k &* blockRows &* ow
            var r0 = 0
            while r0 < g.outputHeight {
                let r1 = min(g.outputHeight, r0 + blockRows), b = (r1 - r0) * ow
                sgemm(transposeA: true, m: rows, n: b, k: m, a: weight + c0 &* taps, lda: k, b: small + r0 &* ow, ldb: plane,
                      c: columns, ldc: b)
                col2im(columns: columns, ld: b, channels: c1 - c0, geometry: g, rows: r0 ..< r1, image: big,
                       overwrite: stored)
                r0 = r1
            }
        }
        biasActivationForward(big, bias: bias.map { $0 + c0 }, batch: 1, channels: c1 - c0, plane: bigPlane, activation: activation)
    }
}

/// Gradients of `convTranspose2dForward` without activation (apply `activationBackward` to `dOutput` first).
///
///     input (N, Cs, Hs, Ws), weight (Cs, Cb, KH, KW), dOutput (N, Cb, Hb, Wb)
///       -> dInput (N, Cs, Hs, Ws), dWeight (Cs, Cb, KH, KW), dBias (Cb)
///
/// Nil skips a gradient; `accumulate` adds instead of overwriting.
public func convTranspose2dBackward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                    dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
                                    dBias: UnsafeMutablePointer<Float>?, geometry g: Conv2dGeometry,
                                    accumulate: Bool = false, parallelOverBatch: Bool = false) {
    if let dBias {
        biasBackward(dOutput: dOutput, dBias: dBias, batch: g.batch, channels: g.inputChannels,
                     plane: g.inputHeight * g.inputWidth, accumulate: accumulate)
    }
    if let dInput, let dWeight, !g.isPointwise, !isThinConvolution(g), !(isWinogradConvolution(g) && useWinograd) {
        convTranspose2dSharedColumnGradients(input: input, weight: weight, dOutput: dOutput, dInput: dInput, dWeight: dWeight,
                                             geometry: g, accumulate: accumulate, parallelOverBatch: parallelOverBatch)
        return
    }
    if let dInput {
        if accumulate {
            let scratch = TensorStorage(uninitializedCount: g.batch * g.outputImageSize)
            conv2dForward(input: dOutput, weight: weight, bias: nil, output: scratch.pointer, geometry: g,
                          parallelOverBatch: parallelOverBatch)
            for i in 0 ..< scratch.count { dInput[i] += scratch.pointer[i] }
        } else {
            conv2dForward(input: dOutput, weight: weight, bias: nil, output: dInput, geometry: g,
                          parallelOverBatch: parallelOverBatch)
        }
    }
    if let dWeight {
        // The convolution's dWeight with input = dOutput (big side) and upstream gradient = input (small side).
        conv2dBackward(input: dOutput, weight: weight, dOutput: input, dInput: nil, dWeight: dWeight, dBias: nil,
                       geometry: g, accumulate: accumulate, parallelOverBatch: parallelOverBatch)
    }
}

/// dInput and dWeight of a transposed convolution from **one** im2col of each block of `dOutput`
/// (the big side): dInput = conv(dOutput, weight) is `weight · columns`, dWeight is
/// `input · columnsᵀ`. Run separately, the two would each build the same columns (im2col was 7 %
/// of an autoencoder training step). Workers take whole images; workers after the first sum
/// dWeight into partial buffers that are added at the end.
func convTranspose2dSharedColumnGradients(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                          dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                                          geometry g: Conv2dGeometry, accumulate: Bool, parallelOverBatch: Bool) {
    precondition(g.groups == 1, "Transposed convolution supports one group, got \(g.groups)")
    let k = g.patchSize, m = g.outputChannels, plane = g.outputPlane, ow = g.outputWidth
    let blockRows = rowsPerBlock(g)
    let workers = parallelOverBatch ? min(g.batch, workerThreadCount) : 1
    let blockSize = k * blockRows * ow
    let workspace = TensorStorage(uninitializedCount: workers * blockSize)
    let partials = workers > 1 ? TensorStorage(count: (workers - 1) * g.weightCount, repeating: 0) : nil
    if !accumulate { dWeight.update(repeating: 0, count: g.weightCount) }
    BLASThreads.run(g.batch, parallelOverBatch: parallelOverBatch) { worker, n in
        let big = dOutput + n &* g.inputImageSize, small = input + n &* g.outputImageSize
        let dSmall = dInput + n &* g.outputImageSize
        let columns = workspace.pointer + worker &* blockSize
        let dW = worker == 0 ? dWeight : partials!.pointer + (worker - 1) &* g.weightCount
        var r0 = 0
        while r0 < g.outputHeight {
            let r1 = min(g.outputHeight, r0 + blockRows), b = (r1 - r0) * ow
            im2col(image: big, channels: g.inputChannels, geometry: g, rows: r0 ..< r1, columns: columns, ld: b)
            sgemm(m: m, n: b, k: k, a: weight, lda: k, b: columns, ldb: b, beta: accumulate ? 1 : 0,
                  c: dSmall + r0 &* ow, ldc: plane)
            sgemm(transposeB: true, m: m, n: k, k: b, a: small + r0 &* ow, lda: plane, b: columns, ldb: b, beta: 1,
                  c: dW, ldc: k)
            r0 = r1
        }
    }
    if let partials { addWorkerPartials(partials, into: dWeight, count: g.weightCount) }
}
