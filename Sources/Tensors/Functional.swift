import Foundation
import ImageCore

// Tensor-level forward operations for inference (no gradients): thin, shape-checked wrappers
// around the flat-buffer kernels. The autograd versions live in the NN module.

/// 2-D convolution (cross-correlation) with optional bias and fused activation.
///
///     input (N, C, H, W), weight (OC, C/groups, KH, KW), bias (OC) -> (N, OC, OH, OW)
///     OH = (H + 2·padding − dilation·(KH − 1) − 1) / stride + 1
///
/// Equals PyTorch `F.conv2d(input, weight, bias, stride, padding, dilation, groups)` followed by
/// the activation. Shape mismatches are programmer errors (precondition with both shapes).
public func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1, activation: Activation = .identity) -> Tensor {
    precondition(input.rank == 4 && weight.rank == 4,
                 "conv2d needs a rank-4 input (N, C, H, W) and weight (OC, C/groups, KH, KW), got \(input.shape) and \(weight.shape)")
    precondition(weight.shape[1] * groups == input.shape[1],
                 "conv2d weight \(weight.shape) expects \(weight.shape[1] * groups) input channels (groups \(groups)), input has \(input.shape[1])")
    if let bias { precondition(bias.count == weight.shape[0], "conv2d bias has \(bias.count) values for \(weight.shape[0]) output channels") }
    let g = Conv2dGeometry(batch: input.shape[0], inputChannels: input.shape[1], inputHeight: input.shape[2],
                           inputWidth: input.shape[3], outputChannels: weight.shape[0],
                           kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
                           strideY: stride, strideX: stride, paddingY: padding, paddingX: padding,
                           dilationY: dilation, dilationX: dilation, groups: groups)
    return convolutionForward(input, weight: weight, bias: bias, geometry: g, outputShape: [g.batch, g.outputChannels, g.outputHeight, g.outputWidth],
                              activation: activation, kernel: conv2dForward)
}

/// Max pooling with a square window; `stride` defaults to `kernelSize` (PyTorch's default),
/// padded positions never win. `(N, C, H, W) -> (N, C, (H + 2p − k)/s + 1, …)`.
public func maxPool2d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    precondition(input.rank == 4, "maxPool2d needs a rank-4 (N, C, H, W) input, got \(input.shape)")
    let g = Pool2dGeometry(batch: input.shape[0], channels: input.shape[1], inputHeight: input.shape[2],
                           inputWidth: input.shape[3], kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding)
    var out = Tensor.uninitialized(shape: [g.batch, g.channels, g.outputHeight, g.outputWidth])
    input.withUnsafeBufferPointer { x in
        out.withUnsafeMutableBufferPointer { y in
            maxPool2dForward(input: x.baseAddress!, output: y.baseAddress!, argmax: nil, geometry: g)
        }
    }
    return out
}

/// Average pooling with a square window (padding excluded from the divisor); `stride` defaults to `kernelSize`.
public func avgPool2d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    precondition(input.rank == 4, "avgPool2d needs a rank-4 (N, C, H, W) input, got \(input.shape)")
    let g = Pool2dGeometry(batch: input.shape[0], channels: input.shape[1], inputHeight: input.shape[2],
                           inputWidth: input.shape[3], kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding)
    var out = Tensor.uninitialized(shape: [g.batch, g.channels, g.outputHeight, g.outputWidth])
    input.withUnsafeBufferPointer { x in
        out.withUnsafeMutableBufferPointer { y in
            avgPool2dForward(input: x.baseAddress!, output: y.baseAddress!, geometry: g)
        }
    }
    return out
}

/// `max(x, 0)` elementwise.
public func relu(_ input: Tensor) -> Tensor { activation(input, .relu) }

/// Any `Activation` elementwise.
public func activation(_ input: Tensor, _ activation: Activation) -> Tensor {
    var out = input
    out.withUnsafeMutableBufferPointer { activationForward($0.baseAddress!, count: $0.count, activation: activation) }
    return out
}

/// Transposed 2-D convolution, PyTorch `F.conv_transpose2d(input, weight, bias, stride, padding, outputPadding, 1, dilation)`.
///
///     input (N, Cin, H, W), weight (Cin, Cout, KH, KW), bias (Cout) -> (N, Cout, OH, OW)
///     OH = (H − 1)·stride − 2·padding + dilation·(KH − 1) + outputPadding + 1
public func convTranspose2d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, dilation: Int = 1, activation: Activation = .identity) -> Tensor {
    precondition(input.rank == 4 && weight.rank == 4 && weight.shape[0] == input.shape[1] && weight.shape[2] == weight.shape[3],
                 "convTranspose2d needs input (N, Cin, H, W) and a square weight (Cin, Cout, K, K), got \(input.shape) and \(weight.shape)")
    if let bias { precondition(bias.count == weight.shape[1], "convTranspose2d bias has \(bias.count) values for \(weight.shape[1]) output channels") }
    let g = Conv2dGeometry.transposed(batch: input.shape[0], inputChannels: input.shape[1], inputHeight: input.shape[2],
                                      inputWidth: input.shape[3], outputChannels: weight.shape[1], kernelSize: weight.shape[2],
                                      stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation)
    return convolutionForward(input, weight: weight, bias: bias, geometry: g, outputShape: [g.batch, g.inputChannels, g.inputHeight, g.inputWidth],
                              activation: activation, kernel: convTranspose2dForward)
}

/// Upsampling of a rank-4 tensor by an integer `scale`, nearest or bilinear (half-pixel centres).
public func upsample(_ input: Tensor, scale: Int, bilinear: Bool = false) -> Tensor {
    precondition(input.rank == 4 && scale >= 1, "upsample needs a rank-4 input and scale ≥ 1, got \(input.shape), \(scale)")
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    var out = Tensor.uninitialized(shape: [n, c, h * scale, w * scale])
    input.withUnsafeBufferPointer { x in
        out.withUnsafeMutableBufferPointer { y in
            if bilinear {
                upsampleBilinearForward(input: x.baseAddress!, output: y.baseAddress!, planes: n * c, height: h, width: w,
                                        outHeight: h * scale, outWidth: w * scale)
            } else {
                upsampleNearestForward(input: x.baseAddress!, output: y.baseAddress!, planes: n * c, height: h, width: w, scale: scale)
            }
        }
    }
    return out
}

/// Pixel shuffle `(N, C·r², H, W) -> (N, C, H·r, W·r)` (PyTorch `PixelShuffle`).
public func pixelShuffle(_ input: Tensor, factor r: Int) -> Tensor {
    precondition(input.rank == 4 && r >= 1 && input.shape[1] % (r * r) == 0,
                 "pixelShuffle needs (N, C·r², H, W) with r = \(r), got \(input.shape)")
    let (n, c, h, w) = (input.shape[0], input.shape[1] / (r * r), input.shape[2], input.shape[3])
    var out = Tensor.uninitialized(shape: [n, c, h * r, w * r])
    input.withUnsafeBufferPointer { x in
        out.withUnsafeMutableBufferPointer { y in
            pixelShuffle(input: x.baseAddress!, output: y.baseAddress!, batch: n, channels: c, height: h, width: w, factor: r)
        }
    }
    return out
}

/// Raw kernel pairs of convolution-like ops (`conv2dForward`/`conv2dBackward`, and the transposed pair):
/// input, weight, bias, output, geometry, activation, parallel-over-batch.
public typealias ConvolutionForwardKernel = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?,
                                             UnsafeMutablePointer<Float>, Conv2dGeometry, Activation, Bool) -> Void
/// input, weight, dOutput, dInput, dWeight, dBias, geometry, accumulate, parallel-over-batch.
public typealias ConvolutionBackwardKernel = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                                              UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?,
                                              Conv2dGeometry, Bool, Bool) -> Void

/// Runs a convolution-like forward `kernel` into a new tensor of `outputShape` (schedule chosen by measurement).
func convolutionForward(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2dGeometry,
                        outputShape: [Int], activation: Activation, kernel: ConvolutionForwardKernel) -> Tensor {
    var out = Tensor.uninitialized(shape: outputShape)
    withExtendedLifetime((input, weight, bias)) {
        kernel(input.unsafePointer, weight.unsafePointer, bias?.unsafePointer, out.unsafeMutablePointer(), g, activation,
               ConvolutionSchedule.parallelOverBatch(g))
    }
    return out
}
