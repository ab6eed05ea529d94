import Foundation
import ImageCore

// Direct convolution for "thin" layers: at most four output channels, stride 1, one group
// (e.g. a network's final 64→3 layer). As an sgemm such a layer has M ≤ 4 rows, and its im2col
// matrix is (C·KH·KW)× larger than its output: the product is memory-bound and runs at ~10% of
// sgemm. Here each image is zero-padded once and the output is accumulated in registers instead:
//
//   forward:  out[o, y, x]  = Σ_{c,i,j} w[o, c, i, j] · pad[c, y + i·dy, x + j·dx]      (4 outputs at a time)
//   dWeight:  dw[o, c, i, j] = Σ_{y,x} dOut[o, y, x] · pad[c, y + i·dy, x + j·dx]
//   dInput:   a convolution of dOut (≤ 4 channels) with the flipped, transposed weight — an
//             ordinary im2col convolution with a short patch (`conv2dForward`).
//
// Schedule: images on `parallelFor` workers (dynamic); forward: two rows × SIMD16 lanes along x,
// dWeight: SIMD8 lanes (mul + add: a portable build's baseline x86-64 target has no FMA instruction,
// and `addingProduct` would call `fmaf` per lane).

/// True when `thinConv2dForward` / `thinConv2dBackward` handle this geometry.
@inlinable
public func isThinConvolution(_ g: Conv2dGeometry) -> Bool {
    g.outputChannels <= 4 && g.groups == 1 && g.strideY == 1 && g.strideX == 1 && !g.isPointwise
        && g.kernelHeight * g.kernelWidth > 1
}

/// Rows `rows` of the zero-padded image (C, H + 2·py, wp) — padded row r holds image row r − py
/// after `px` zero columns, zero outside the image — written as (C, rowsPerChannel, wp) from row 0.
/// `wp` leaves room for whole 16- or 8-wide strips on the right.
@inline(__always)
func padForThin(_ image: UnsafePointer<Float>, _ g: Conv2dGeometry, into pad: UnsafeMutablePointer<Float>,
                paddedRows rows: Range<Int>, rowsPerChannel: Int, paddedWidth wp: Int) {
    let py = g.paddingY, px = g.paddingX, h = g.inputHeight, w = g.inputWidth, right = wp - px - w
    for c in 0 ..< g.inputChannels {
        let channel = pad + c &* rowsPerChannel &* wp, plane = image + c &* h &* w
        for r in rows {
            let dst = channel + (r &- rows.lowerBound) &* wp, y = r &- py
            guard y >= 0 && y < h else { dst.update(repeating: 0, count: wp); continue }
            for x in 0 ..< px { dst[x] = 0 }
            (dst + px).update(from: plane + y &* w, count: w)
            for x in 0 ..< right { dst[px &+ w &+ x] = 0 }
        }
    }
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

/// Forward pass of a thin convolution (see `isThinConvolution`), with fused bias and activation.
///
///     input (N, C, H, W), weight (OC ≤ 4, C, KH, KW), bias (OC) or nil -> output (N, OC, OH, OW)
public func thinConv2dForward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              output: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry,
                              activation: Activation = .identity) {
    precondition(isThinConvolution(g), "thinConv2dForward needs ≤ 4 outputs, stride 1, one group: \(g)")
    let oc = g.outputChannels, c = g.inputChannels, kh = g.kernelHeight, kw = g.kernelWidth
    let oh = g.outputHeight, ow = g.outputWidth, plane = g.outputPlane
    let wp = (ow + 15) / 16 * 16 + g.dilationX * (kw - 1)
    let taps = c * kh * kw
    // Weights repacked as (tap, 4 outputs), zero for missing outputs.
    let packed = TensorStorage(count: taps * 4, repeating: 0)
    for o in 0 ..< oc { for t in 0 ..< taps { packed.pointer[t &* 4 &+ o] = weight[o &* taps &+ t] } }
    let workers = workerThreadCount
    // Items: (image, block of output rows); an image is cut into rows only when images are fewer than workers.
    let blocks = min(oh, (workers + g.batch - 1) / g.batch)
    // Output rows go in bands whose padded input rows (all channels) stay under 512 KiB, so the kernel
    // reads them from L2 right after they are copied. A band holds one spare row: a block's odd last
    // row is computed as a pair whose second row (discarded) reads one row further.
    let halo = 1 + g.dilationY * (kh - 1)
    let bandRows = max(2, ((1 << 17) / max(1, c * wp) - halo) / 2 * 2)
    let bandHeight = bandRows + halo
    let perWorker = c * bandHeight * wp
    let workspace = TensorStorage(uninitializedCount: workers * perWorker)
    BLASThreads.run(g.batch * blocks, parallelOverBatch: true) { worker, item in
        let n = item / blocks, block = item % blocks
        let pad = workspace.pointer + worker &* perWorker
        let out = output + n &* oc &* plane
        let y0 = oh * block / blocks, y1 = oh * (block + 1) / blocks
        var y = y0, bandStart = y0
        while y < y1 {
            if y == bandStart {
                padForThin(input + n &* g.inputImageSize, g, into: pad, paddedRows: y ..< y &+ bandHeight,
                           rowsPerChannel: bandHeight, paddedWidth: wp)
            }
            let by = y &- bandStart  // row within the band
            var x = 0
            while x < ow {
                // Four output channels × two rows × 16 pixels in eight registers; mul + add rather than
                // fused multiply-add (portable builds would call `fmaf` per lane; Zen 4 and recent Intel
                // cores issue two multiplies and two adds per cycle, so the throughput is the same).
                var a0 = SIMD16<Float>(), b0 = SIMD16<Float>(), e0 = SIMD16<Float>(), d0 = SIMD16<Float>()
                var a1 = SIMD16<Float>(), b1 = SIMD16<Float>(), e1 = SIMD16<Float>(), d1 = SIMD16<Float>()
                var t = 0
                for ch in 0 ..< c {
                    for i in 0 ..< kh {
                        let row = pad + ((ch &* bandHeight &+ by &+ i &* g.dilationY) &* wp &+ x)
                        for j in 0 ..< kw {
                            let v0 = load16(row + j &* g.dilationX), v1 = load16(row + (wp &+ j &* g.dilationX))
                            let w = packed.pointer + t &* 4
                            let w0 = SIMD16<Float>(repeating: w[0]), w1 = SIMD16<Float>(repeating: w[1])
                            let w2 = SIMD16<Float>(repeating: w[2]), w3 = SIMD16<Float>(repeating: w[3])
                            a0 += v0 * w0; a1 += v1 * w0
                            b0 += v0 * w1; b1 += v1 * w1
                            e0 += v0 * w2; e1 += v1 * w2
                            d0 += v0 * w3; d1 += v1 * w3
                            t &+= 1
                        }
                    }
                }
                let count = min(16, ow - x)
                func store(_ r: Int, _ a: SIMD16<Float>, _ b: SIMD16<Float>, _ e: SIMD16<Float>, _ d: SIMD16<Float>) {
                    guard y &+ r < y1 else { return }
                    let row = out + ((y &+ r) &* ow &+ x)
                    storeStrip(row, a, count)
                    if oc > 1 { storeStrip(row + plane, b, count) }
                    if oc > 2 { storeStrip(row + 2 &* plane, e, count) }
                    if oc > 3 { storeStrip(row + 3 &* plane, d, count) }
                }
                store(0, a0, b0, e0, d0)
                store(1, a1, b1, e1, d1)
                x &+= 16
            }
            y &+= 2
            if y &- bandStart >= bandRows { bandStart = y }
        }
        for o in 0 ..< oc {
            biasActivationForward(out + (o &* plane &+ y0 &* ow), bias: bias.map { $0 + o }, batch: 1, channels: 1,
                                  plane: (y1 - y0) * ow, activation: activation)
        }
    }
}

/// Stores the first `count` (≤ 16) lanes of `v`.
@inline(__always)
func storeStrip(_ dst: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>, _ count: Int) {
    if count == 16 {
        UnsafeMutableRawPointer(dst).storeBytes(of: v, as: SIMD16<Float>.self)
    } else {
        for l in 0 ..< count { dst[l] = v[l] }
    }
}

/// Gradients of a thin convolution without activation (apply `activationBackward` to `dOutput` first).
///
///     input (N, C, H, W), weight (OC ≤ 4, C, KH, KW), dOutput (N, OC, OH, OW)
///       -> dInput (N, C, H, W), dWeight (OC, C, KH, KW), dBias (OC)
///
/// Nil skips a gradient; `accumulate` adds instead of overwriting. dInput needs `padding ≤
/// dilation·(kernel − 1)` on both axes (true for "same" padding); otherwise use `conv2dBackward`.
public func thinConv2dBackward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                               dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
                               dBias: UnsafeMutablePointer<Float>?, geometry g: Conv2dGeometry, accumulate: Bool = false) {
    precondition(isThinConvolution(g), "thinConv2dBackward needs ≤ 4 outputs, stride 1, one group: \(g)")
    let oc = g.outputChannels, c = g.inputChannels, kh = g.kernelHeight, kw = g.kernelWidth
    let oh = g.outputHeight, ow = g.outputWidth, plane = g.outputPlane, taps = c * kh * kw
    if let dBias {
        biasBackward(dOutput: dOutput, dBias: dBias, batch: g.batch, channels: oc, plane: plane, accumulate: accumulate)
    }
    if let dInput {
        let flipPadY = g.dilationY * (kh - 1) - g.paddingY, flipPadX = g.dilationX * (kw - 1) - g.paddingX
        precondition(flipPadY >= 0 && flipPadX >= 0, "thinConv2dBackward: padding exceeds dilation·(kernel − 1): \(g)")
        // dInput = conv(dOutput, w′) with w′[c, o, i, j] = w[o, c, KH−1−i, KW−1−j].
        let flipped = TensorStorage(uninitializedCount: g.weightCount)
        for o in 0 ..< oc { for ch in 0 ..< c { for i in 0 ..< kh { for j in 0 ..< kw {
            flipped.pointer[((ch &* oc &+ o) &* kh &+ i) &* kw &+ j] = weight[((o &* c &+ ch) &* kh &+ (kh - 1 - i)) &* kw &+ (kw - 1 - j)]
        } } } }
        let back = Conv2dGeometry(batch: g.batch, inputChannels: oc, inputHeight: oh, inputWidth: ow, outputChannels: c,
                                  kernelHeight: kh, kernelWidth: kw, strideY: 1, strideX: 1, paddingY: flipPadY, paddingX: flipPadX,
                                  dilationY: g.dilationY, dilationX: g.dilationX)
        if accumulate {
            let scratch = TensorStorage(uninitializedCount: g.batch * g.inputImageSize)
            conv2dForward(input: dOutput, weight: flipped.pointer, bias: nil, output: scratch.pointer, geometry: back, parallelOverBatch: true)
            for i in 0 ..< scratch.count { dInput[i] += scratch.pointer[i] }
        } else {
            conv2dForward(input: dOutput, weight: flipped.pointer, bias: nil, output: dInput, geometry: back, parallelOverBatch: true)
        }
    }
    guard let dWeight else { return }
    let hp = g.inputHeight + 2 * g.paddingY, wp = (ow + 7) / 8 * 8 + g.dilationX * (kw - 1)
    let workers = min(g.batch, workerThreadCount)
    let workspace = TensorStorage(uninitializedCount: workers * c * hp * wp)
    let partials = TensorStorage(count: workers * oc * taps, repeating: 0)  // Σ over this worker's images
    let strips = ow / 8
    BLASThreads.run(g.batch, parallelOverBatch: true) { worker, n in
        let pad = workspace.pointer + worker &* c &* hp &* wp
        padForThin(input + n &* g.inputImageSize, g, into: pad, paddedRows: 0 ..< hp, rowsPerChannel: hp, paddedWidth: wp)
        let dOut = dOutput + n &* oc &* plane, dW = partials.pointer + worker &* oc &* taps
        var t = 0
        for ch in 0 ..< c {
            for i in 0 ..< kh {
                for j in 0 ..< kw {
                    var acc = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                    var tail: (Float, Float, Float, Float) = (0, 0, 0, 0)
                    for y in 0 ..< oh {
                        let row = pad + ((ch &* hp &+ y &+ i &* g.dilationY) &* wp &+ j &* g.dilationX)
                        let d = dOut + y &* ow
                        for s in 0 ..< strips {
                            let v = load8(row + s &* 8)
                            acc.0 += load8(d + s &* 8) * v
                            if oc > 1 { acc.1 += load8(d + (plane &+ s &* 8)) * v }
                            if oc > 2 { acc.2 += load8(d + (2 &* plane &+ s &* 8)) * v }
                            if oc > 3 { acc.3 += load8(d + (3 &* plane &+ s &* 8)) * v }
                        }
                        for x in strips &* 8 ..< ow {
                            let v = row[x]
                            tail.0 += d[x] * v
                            if oc > 1 { tail.1 += d[plane &+ x] * v }
                            if oc > 2 { tail.2 += d[2 &* plane &+ x] * v }
                            if oc > 3 { tail.3 += d[3 &* plane &+ x] * v }
                        }
                    }
                    dW[t] += acc.0.sum() + tail.0
                    if oc > 1 { dW[taps &+ t] += acc.1.sum() + tail.1 }
                    if oc > 2 { dW[2 &* taps &+ t] += acc.2.sum() + tail.2 }
                    if oc > 3 { dW[3 &* taps &+ t] += acc.3.sum() + tail.3 }
                    t &+= 1
                }
            }
        }
    }
    for i in 0 ..< oc * taps {
        var s: Float = accumulate ? dWeight[i] : 0
        for w in 0 ..< workers { s += partials.pointer[w &* oc &* taps &+ i] }
        dWeight[i] = s
    }
}
