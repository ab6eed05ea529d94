import Foundation
import Tensors

// Differentiable pooling, upsampling, pixel shuffle and padding (rank-4 NCHW), forward next to backward.

/// Max pooling; `stride` defaults to `kernelSize`. Backward sends each gradient to the window's
/// winner recorded in the forward pass.
public func maxPool2d(_ x: Variable, kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Variable {
    let s = x.shape
    precondition(s.count == 4, "maxPool2d needs (N, C, H, W), got \(s)")
    let g = Pool2dGeometry(batch: s[0], channels: s[1], inputHeight: s[2], inputWidth: s[3],
                           kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding)
    var y = Tensor.uninitialized(shape: [g.batch, g.channels, g.outputHeight, g.outputWidth])
    let record = x.needsGrad && x.tape != nil
    var argmax = [Int32](repeating: 0, count: record ? y.count : 0)
    let xv = x.value
    withExtendedLifetime(xv) {
        argmax.withUnsafeMutableBufferPointer { a in
            maxPool2dForward(input: xv.unsafePointer, output: y.unsafeMutablePointer(),
                             argmax: record ? a.baseAddress : nil, geometry: g)
        }
    }
    return makeResult(y, [x]) { out in
        let dy = out.grad!
        x.withGradBuffer { dx, accumulate in
            withExtendedLifetime(dy) {
                argmax.withUnsafeBufferPointer { a in
                    maxPool2dBackward(dOutput: dy.unsafePointer, argmax: a.baseAddress!, dInput: dx, geometry: g, accumulate: accumulate)
                }
            }
        }
    }
}

/// Average pooling (padding excluded from the divisor); `stride` defaults to `kernelSize`.
public func avgPool2d(_ x: Variable, kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Variable {
    let s = x.shape
    precondition(s.count == 4, "avgPool2d needs (N, C, H, W), got \(s)")
    let g = Pool2dGeometry(batch: s[0], channels: s[1], inputHeight: s[2], inputWidth: s[3],
                           kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding)
    var y = Tensor.uninitialized(shape: [g.batch, g.channels, g.outputHeight, g.outputWidth])
    let xv = x.value
    withExtendedLifetime(xv) { avgPool2dForward(input: xv.unsafePointer, output: y.unsafeMutablePointer(), geometry: g) }
    return makeResult(y, [x]) { out in
        let dy = out.grad!
        x.withGradBuffer { dx, accumulate in
            withExtendedLifetime(dy) { avgPool2dBackward(dOutput: dy.unsafePointer, dInput: dx, geometry: g, accumulate: accumulate) }
        }
    }
}

/// Upsampling by an integer `scale`: nearest (`bilinear == false`) or bilinear with half-pixel
/// centres (PyTorch `align_corners=False`). Backward is the adjoint of the same interpolation.
public func upsample(_ x: Variable, scale: Int, bilinear: Bool = false) -> Variable {
    let s = x.shape
    precondition(s.count == 4 && scale >= 1, "upsample needs (N, C, H, W) and scale ≥ 1, got \(s), \(scale)")
    let (planes, h, w) = (s[0] * s[1], s[2], s[3])
    var y = Tensor.uninitialized(shape: [s[0], s[1], h * scale, w * scale])
    let xv = x.value
    withExtendedLifetime(xv) {
        if bilinear {
            upsampleBilinearForward(input: xv.unsafePointer, output: y.unsafeMutablePointer(), planes: planes,
                                    height: h, width: w, outHeight: h * scale, outWidth: w * scale)
        } else {
            upsampleNearestForward(input: xv.unsafePointer, output: y.unsafeMutablePointer(), planes: planes,
                                   height: h, width: w, scale: scale)
        }
    }
    return makeResult(y, [x]) { out in
        let dy = out.grad!
        x.withGradBuffer { dx, accumulate in
            withExtendedLifetime(dy) {
                if bilinear {
                    upsampleBilinearBackward(dOutput: dy.unsafePointer, dInput: dx, planes: planes, height: h, width: w,
                                             outHeight: h * scale, outWidth: w * scale, accumulate: accumulate)
                } else {
                    upsampleNearestBackward(dOutput: dy.unsafePointer, dInput: dx, planes: planes, height: h, width: w,
                                            scale: scale, accumulate: accumulate)
                }
            }
        }
    }
}

/// Pixel shuffle `(N, C·r², H, W) -> (N, C, H·r, W·r)`. Backward: the inverse permutation.
public func pixelShuffle(_ x: Variable, factor r: Int) -> Variable {
    let s = x.shape
    precondition(s.count == 4 && r >= 1 && s[1] % (r * r) == 0, "pixelShuffle needs (N, C·r², H, W) with r = \(r), got \(s)")
    let (n, c, h, w) = (s[0], s[1] / (r * r), s[2], s[3])
    var y = Tensor.uninitialized(shape: [n, c, h * r, w * r])
    let xv = x.value
    withExtendedLifetime(xv) {
        Tensors.pixelShuffle(input: xv.unsafePointer, output: y.unsafeMutablePointer(), batch: n, channels: c,
                             height: h, width: w, factor: r)
    }
    return makeResult(y, [x]) { out in
        let dy = out.grad!
        var dx = Tensor.uninitialized(shape: s)
        withExtendedLifetime(dy) {
            Tensors.pixelShuffle(input: dy.unsafePointer, output: dx.unsafeMutablePointer(), batch: n, channels: c,
                                 height: h, width: w, factor: r, inverse: true)
        }
        x.accumulateGrad(dx)
    }
}

/// Spatial padding (see `PaddingMode`). Backward adds each padded position's gradient to its source.
public func pad2d(_ x: Variable, top: Int, bottom: Int, left: Int, right: Int, mode: PaddingMode = .zero) -> Variable {
    let s = x.shape
    let y = Tensors.pad2d(x.value, top: top, bottom: bottom, left: left, right: right, mode: mode)
    return makeResult(y, [x]) { out in
        let dy = out.grad!
        x.withGradBuffer { dx, accumulate in
            withExtendedLifetime(dy) {
                pad2dBackward(dOutput: dy.unsafePointer, dInput: dx, planes: s[0] * s[1], height: s[2], width: s[3],
                              top: top, bottom: bottom, left: left, right: right, mode: mode, accumulate: accumulate)
            }
        }
    }
}
