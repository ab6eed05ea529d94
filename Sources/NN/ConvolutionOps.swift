import Foundation
import Tensors

// Differentiable convolutions: forward and backward side by side, both through the im2col + sgemm
// kernels of the Tensors module. The fused activation's derivative is taken from the output.

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
    return differentiableConvolution(x, weight: weight, bias: bias, geometry: g,
                                     outputShape: [g.batch, g.outputChannels, g.outputHeight, g.outputWidth],
                                     activation: activation, forward: conv2dForward, backward: conv2dBackward)
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
    // A transposed convolution is the adjoint of the convolution whose input has this output's shape.
    return differentiableConvolution(x, weight: weight, bias: bias, geometry: g,
                                     outputShape: [g.batch, g.inputChannels, g.inputHeight, g.inputWidth],
                                     activation: activation, forward: convTranspose2dForward, backward: convTranspose2dBackward)
}

/// Records a convolution-like op on the tape: runs `forward` into a new tensor of `outputShape`, and on
/// the backward pass takes the gradient through the fused activation and runs `backward` into the
/// gradients of `x`, `weight` and `bias`. The schedule (batch or BLAS threads) is chosen once for both.
func differentiableConvolution(_ x: Variable, weight: Variable, bias: Variable?, geometry g: Conv2dGeometry,
                               outputShape: [Int], activation: Activation,
                               forward: ConvolutionForwardKernel, backward: @escaping ConvolutionBackwardKernel) -> Variable {
    let parallel = ConvolutionSchedule.parallelOverBatch(g)
    var y = Tensor.uninitialized(shape: outputShape)
    let xv = x.value, wv = weight.value, bv = bias?.value
    withExtendedLifetime((xv, wv, bv)) {
        forward(xv.unsafePointer, wv.unsafePointer, bv?.unsafePointer, y.unsafeMutablePointer(), g, activation, parallel)
    }
    return makeResult(y, [x, weight, bias]) { out in
        let dy = gradientThroughActivation(out, activation)
        let xv = x.value, wv = weight.value
        var targets = GradientTargets()
        let dx = targets.buffer(for: x), dw = targets.buffer(for: weight), db = targets.buffer(for: bias)
        withExtendedLifetime((xv, wv, dy)) {
            backward(xv.unsafePointer, wv.unsafePointer, dy.unsafePointer, dx, dw, db, g, false, parallel)
        }
        targets.finish()
    }
}

/// The output gradient of a layer with a fused activation, taken back through that activation
/// (the identity returns `out.grad` as it is). Written to a new tensor in one pass: `out` still
/// holds its gradient, so working in place would first copy it.
func gradientThroughActivation(_ out: Variable, _ activation: Activation) -> Tensor {
    let upstream = out.grad!
    guard activation != .identity else { return upstream }
    var dy = Tensor.uninitialized(shape: upstream.shape)
    let yv = out.value
    let p = dy.unsafeMutablePointer()
    withExtendedLifetime((yv, upstream)) {
        let y = yv.unsafePointer, g = upstream.unsafePointer
        forEachChunk(dy.count) { r in
            activationBackward(output: y + r.lowerBound, dOutput: g + r.lowerBound, dInput: p + r.lowerBound,
                               count: r.count, activation: activation)
        }
    }
    return dy
}
