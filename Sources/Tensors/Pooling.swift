import Foundation
import ImageCore

/// Shapes of a 2-D pooling window: input `(N, C, H, W)` -> output `(N, C, OH, OW)` with
/// `OH = (H + 2·p − k) / s + 1` (floor, as PyTorch's default `ceil_mode=False` and Keras `valid`).
public struct Pool2dGeometry: Equatable, Sendable {
    public var batch: Int
    public var channels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var kernelSize: Int
    public var stride: Int
    public var padding: Int

    public init(batch: Int, channels: Int, inputHeight: Int, inputWidth: Int,
                kernelSize: Int, stride: Int, padding: Int = 0) {
        self.batch = batch
        self.channels = channels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        precondition(kernelSize >= 1 && stride >= 1 && padding >= 0 && padding <= kernelSize / 2,
                     "Pooling needs kernel ≥ 1, stride ≥ 1 and 0 ≤ padding ≤ kernel/2, got k \(kernelSize) s \(stride) p \(padding)")
        precondition(outputHeight >= 1 && outputWidth >= 1,
                     "A \(kernelSize)×\(kernelSize) pool does not fit the \(inputHeight)×\(inputWidth) input")
    }

    @inlinable public var outputHeight: Int { (inputHeight + 2 * padding - kernelSize) / stride + 1 }
    @inlinable public var outputWidth: Int { (inputWidth + 2 * padding - kernelSize) / stride + 1 }
    /// Number of (image, channel) planes.
    @inlinable public var planes: Int { batch * channels }
}

/// Max pooling; padded positions never win (they count as −∞, as in PyTorch).
///
///     input (N, C, H, W) -> output (N, C, OH, OW), argmax (N, C, OH, OW) or nil
///
/// `argmax` receives, for each output, the flat index `y·W + x` of the winner inside its input
/// plane (first maximum in row-major order on ties; NaN propagates and wins).
/// Parallel over planes with `parallelFor` (no BLAS inside).
public func maxPool2dForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             argmax: UnsafeMutablePointer<Int32>?, geometry g: Pool2dGeometry) {
    let h = g.inputHeight, w = g.inputWidth, oh = g.outputHeight, ow = g.outputWidth
    let k = g.kernelSize, s = g.stride, p = g.padding
    let shared = UncheckedSendable((input, output, argmax))  // disjoint planes per iteration
    parallelFor(g.planes) { plane in
        let (input, output, argmax) = shared.value
        let src = input + plane &* h &* w, dst = output + plane &* oh &* ow
        let arg = argmax.map { $0 + plane &* oh &* ow }
        if k == 2 && s == 2 && p == 0 {
            // The common 2×2 stride-2 pool without branches on the window bounds (same tie and NaN rules).
            for y in 0 ..< oh {
                let r0 = src + 2 &* y &* w, r1 = r0 + w
                for x in 0 ..< ow {
                    let first = 2 &* y &* w &+ 2 &* x
                    var best = r0[2 &* x], index = first
                    var v = r0[2 &* x &+ 1]
                    if v > best || v.isNaN && !best.isNaN { best = v; index = first &+ 1 }
                    v = r1[2 &* x]
                    if v > best || v.isNaN && !best.isNaN { best = v; index = first &+ w }
                    v = r1[2 &* x &+ 1]
                    if v > best || v.isNaN && !best.isNaN { best = v; index = first &+ w &+ 1 }
                    dst[y &* ow &+ x] = best
                    arg?[y &* ow &+ x] = Int32(index)
                }
            }
            return
        }
        for y in 0 ..< oh {
            let yStart = max(0, y &* s &- p), yEnd = min(h, y &* s &- p &+ k)
            for x in 0 ..< ow {
                let xStart = max(0, x &* s &- p), xEnd = min(w, x &* s &- p &+ k)
                var best = -Float.infinity, bestIndex = yStart &* w &+ xStart
                for yy in yStart ..< yEnd {
                    for xx in xStart ..< xEnd {
                        let v = src[yy &* w &+ xx]
                        if v > best || v.isNaN && !best.isNaN { best = v; bestIndex = yy &* w &+ xx }
                    }
                }
                dst[y &* ow &+ x] = best
                arg?[y &* ow &+ x] = Int32(bestIndex)
            }
        }
    }
}

/// Gradient of max pooling: each output gradient goes to its recorded winner.
///
///     dOutput (N, C, OH, OW), argmax (N, C, OH, OW) -> dInput (N, C, H, W)  (overwritten, or added to with `accumulate`)
public func maxPool2dBackward(dOutput: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
                              dInput: UnsafeMutablePointer<Float>, geometry g: Pool2dGeometry, accumulate: Bool = false) {
    let inPlane = g.inputHeight * g.inputWidth, outPlane = g.outputHeight * g.outputWidth
    let shared = UncheckedSendable((dOutput, argmax, dInput))  // disjoint planes per iteration
    parallelFor(g.planes) { plane in
        let (dOutput, argmax, dInput) = shared.value
        let dIn = dInput + plane &* inPlane, dOut = dOutput + plane &* outPlane, arg = argmax + plane &* outPlane
        if !accumulate { dIn.update(repeating: 0, count: inPlane) }
        for i in 0 ..< outPlane { dIn[Int(arg[i])] += dOut[i] }
    }
}

/// Average pooling over the window's positions inside the input (padding is excluded from the
/// divisor, as Keras `padding="same"`; PyTorch's `count_include_pad=False`).
///
///     input (N, C, H, W) -> output (N, C, OH, OW)
public func avgPool2dForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry g: Pool2dGeometry) {
    let h = g.inputHeight, w = g.inputWidth, oh = g.outputHeight, ow = g.outputWidth
    let k = g.kernelSize, s = g.stride, p = g.padding
    let shared = UncheckedSendable((input, output))  // disjoint planes per iteration
    parallelFor(g.planes) { plane in
        let (input, output) = shared.value
        let src = input + plane &* h &* w, dst = output + plane &* oh &* ow
        for y in 0 ..< oh {
            let yStart = max(0, y &* s &- p), yEnd = min(h, y &* s &- p &+ k)
            for x in 0 ..< ow {
                let xStart = max(0, x &* s &- p), xEnd = min(w, x &* s &- p &+ k)
                var sum: Float = 0
                for yy in yStart ..< yEnd { for xx in xStart ..< xEnd { sum += src[yy &* w &+ xx] } }
                dst[y &* ow &+ x] = sum / Float((yEnd &- yStart) &* (xEnd &- xStart))
            }
        }
    }
}

/// Gradient of average pooling: each output gradient is shared equally by its window's positions.
///
///     dOutput (N, C, OH, OW) -> dInput (N, C, H, W)  (overwritten, or added to with `accumulate`)
public func avgPool2dBackward(dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                              geometry g: Pool2dGeometry, accumulate: Bool = false) {
    let h = g.inputHeight, w = g.inputWidth, oh = g.outputHeight, ow = g.outputWidth
    let k = g.kernelSize, s = g.stride, p = g.padding
    let shared = UncheckedSendable((dOutput, dInput))  // disjoint planes per iteration
    parallelFor(g.planes) { plane in
        let (dOutput, dInput) = shared.value
        let dIn = dInput + plane &* h &* w, dOut = dOutput + plane &* oh &* ow
        if !accumulate { dIn.update(repeating: 0, count: h &* w) }
        for y in 0 ..< oh {
            let yStart = max(0, y &* s &- p), yEnd = min(h, y &* s &- p &+ k)
            for x in 0 ..< ow {
                let xStart = max(0, x &* s &- p), xEnd = min(w, x &* s &- p &+ k)
                let share = dOut[y &* ow &+ x] / Float((yEnd &- yStart) &* (xEnd &- xStart))
                for yy in yStart ..< yEnd { for xx in xStart ..< xEnd { dIn[yy &* w &+ xx] += share } }
            }
        }
    }
}
