import Foundation
import Tensors

// Differentiable convolutions: forward and backward side by side, both through the im2col + sgemm
// kernels of the Tensors module. The fused activation's derivative is taken from the output.

/// Where the convolution call sites parallelise — the one level of parallelism (see `BLASThreads`):
///
/// - `batch` (`parallelOverBatch == true`): work items — (image, block of output rows) for forward
///   passes, images for backward passes, (image, channel range) for transposed forward passes — are
///   taken dynamically by `parallelFor` workers, each running single-threaded sgemm, so im2col,
///   col2im and the bias/activation epilogue run in parallel too;
/// - `blas`: items in turn on the caller's thread, each sgemm on OpenBLAS's own threads.
///
/// Measured with `deblur bench nn` (2 cores, both OpenBLAS kernel families): `batch` was faster at
/// every convolution of both benchmark networks, forward and backward, at the training batch
/// (e.g. U-Net 32→32 at 64², forward 185 vs 151 GFLOP/s; autoencoder 64→128 stride 2, 217 vs 185),
/// and in the 512×512 inference (e.g. 32→32 at 512², 236 vs 170 GFLOP/s with AVX-512 kernels),
/// because with `blas` im2col and the epilogue run on one core while OpenBLAS's second thread spins.
/// Backward passes of a single image fall back to `blas` (their col2im must not be split).
/// `DEBLUR_CONV_SCHEDULE=blas|batch` forces one strategy (for re-measuring).
public enum ConvolutionSchedule {
    /// True for the `batch` schedule (the measured default), false for `blas`.
    public static func parallelOverBatch(_ g: Conv2dGeometry) -> Bool {
        forced != "blas"
    }

    static let forced = ProcessInfo.processInfo.environment["DEBLUR_CONV_SCHEDULE"] ?? ""
}

/// Differentiable 2-D convolution with optional bias and fused activation:
/// `activation(conv(x, weight) + bias)`, PyTorch `F.conv2d` semantics.
///
///     x (N, C, H, W), weight (OC, C/groups, KH, KW), bias (OC) -> (N, OC, OH, OW)
public func conv2d(_ x: Variable, weight: Variable, bias: Variable?, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1, activation: Activation = .identity) -> Variable {
    let xs = x.shape, ws = weight.shape
    precondition(xs.count == 4 && ws.count == 4 && ws[1] * groups == xs[1],
                 "conv2d: weight \(ws) with groups \(groups) does not fit input \(xs)")
    if let bias { precondition(bias.shape == [ws[0]], "conv2d: bias \(bias.shape) should be [\(ws[0])]") }
    let g = Conv2dGeometry(batch: xs[0], inputChannels: xs[1], inputHeight: xs[2], inputWidth: xs[3],
                           outputChannels: ws[0], kernelHeight: ws[2], kernelWidth: ws[3],
                           strideY: stride, strideX: stride, paddingY: padding, paddingX: padding,
                           dilationY: dilation, dilationX: dilation, groups: groups)
    let parallel = ConvolutionSchedule.parallelOverBatch(g)
    var y = Tensor.uninitialized(shape: [g.batch, g.outputChannels, g.outputHeight, g.outputWidth])
    let xv = x.value, wv = weight.value, bv = bias?.value
    withExtendedLifetime((xv, wv, bv)) {
        conv2dForward(input: xv.unsafePointer, weight: wv.unsafePointer, bias: bv?.unsafePointer,
                      output: y.unsafeMutablePointer(), geometry: g, activation: activation, parallelOverBatch: parallel)
    }
    return makeResult(y, [x, weight, bias]) { out in
        var dy = out.grad!
        let yv = out.value
        if activation != .identity {
            let p = dy.unsafeMutablePointer()
            withExtendedLifetime(yv) {
                let y = yv.unsafePointer
                forEachChunk(dy.count) { r in
                    activationBackward(output: y + r.lowerBound, dOutput: p + r.lowerBound, dInput: p + r.lowerBound,
                                       count: r.count, activation: activation)
                }
            }
        }
        let xv = x.value, wv = weight.value
        var targets = GradientTargets()
        let dx = targets.buffer(for: x), dw = targets.buffer(for: weight), db = targets.buffer(for: bias)
        withExtendedLifetime((xv, wv, dy)) {
            conv2dBackward(input: xv.unsafePointer, weight: wv.unsafePointer, dOutput: dy.unsafePointer,
                           dInput: dx, dWeight: dw, dBias: db, geometry: g, accumulate: false, parallelOverBatch: parallel)
        }
        targets.finish()
    }
}

/// Differentiable transposed 2-D convolution with optional bias and fused activation,
/// PyTorch `F.conv_transpose2d` semantics (weight `(Cin, Cout, K, K)`).
///
///     x (N, Cin, H, W) -> (N, Cout, (H − 1)·stride − 2·padding + dilation·(K − 1) + outputPadding + 1, …)
public func convTranspose2d(_ x: Variable, weight: Variable, bias: Variable?, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, dilation: Int = 1, activation: Activation = .identity) -> Variable {
    let xs = x.shape, ws = weight.shape
    precondition(xs.count == 4 && ws.count == 4 && ws[0] == xs[1] && ws[2] == ws[3],
                 "convTranspose2d: weight \(ws) does not fit input \(xs) (weight is (Cin, Cout, K, K))")
    if let bias { precondition(bias.shape == [ws[1]], "convTranspose2d: bias \(bias.shape) should be [\(ws[1])]") }
    let g = Conv2dGeometry.transposed(batch: xs[0], inputChannels: xs[1], inputHeight: xs[2], inputWidth: xs[3],
                                      outputChannels: ws[1], kernelSize: ws[2], stride: stride, padding: padding,
                                      outputPadding: outputPadding, dilation: dilation)
    let parallel = ConvolutionSchedule.parallelOverBatch(g)
    var y = Tensor.uninitialized(shape: [g.batch, g.inputChannels, g.inputHeight, g.inputWidth])
    let xv = x.value, wv = weight.value, bv = bias?.value
    withExtendedLifetime((xv, wv, bv)) {
        convTranspose2dForward(input: xv.unsafePointer, weight: wv.unsafePointer, bias: bv?.unsafePointer,
                               output: y.unsafeMutablePointer(), geometry: g, activation: activation, parallelOverBatch: parallel)
    }
    return makeResult(y, [x, weight, bias]) { out in
        var dy = out.grad!
        let yv = out.value
        if activation != .identity {
            let p = dy.unsafeMutablePointer()
            withExtendedLifetime(yv) {
                let y = yv.unsafePointer
                forEachChunk(dy.count) { r in
                    activationBackward(output: y + r.lowerBound, dOutput: p + r.lowerBound, dInput: p + r.lowerBound,
                                       count: r.count, activation: activation)
                }
            }
        }
        let xv = x.value, wv = weight.value
        var targets = GradientTargets()
        let dx = targets.buffer(for: x), dw = targets.buffer(for: weight), db = targets.buffer(for: bias)
        withExtendedLifetime((xv, wv, dy)) {
            convTranspose2dBackward(input: xv.unsafePointer, weight: wv.unsafePointer, dOutput: dy.unsafePointer,
                                    dInput: dx, dWeight: dw, dBias: db, geometry: g, accumulate: false, parallelOverBatch: parallel)
        }
        targets.finish()
    }
}
