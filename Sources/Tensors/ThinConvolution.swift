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
// Schedule: images on `parallelFor` workers (dynamic); forward: four rows × SIMD16 lanes along x ×
// only the outputs the layer has (`ThinRows`, fused multiply-adds in native builds: 75 → 93 GFLOP/s
// on the autoencoder's 64→3 layer against two rows × four outputs with a multiply and an add),
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
    // reads them from L2 right after they are copied. A band holds three spare rows: a block's last
    // rows are computed in a group of four whose extra rows (discarded) read up to three rows further.
    let halo = 1 + g.dilationY * (kh - 1)
    let bandRows = max(4, ((1 << 17) / max(1, c * wp) - halo - 3) / 4 * 4)
    let bandHeight = bandRows + halo + 3
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
            let rows = ThinRows(pad: pad + (y &- bandStart) &* wp, packed: packed.pointer, channels: c, kernelHeight: kh,
                                kernelWidth: kw, dilationY: g.dilationY, dilationX: g.dilationX, bandHeight: bandHeight,
                                paddedWidth: wp, out: out, y: y, rowLimit: y1, outputWidth: ow, plane: plane)
            // The output count as a type, so each specialised kernel keeps only the lanes it needs
            // (a runtime count left a compare and branch per output in the innermost loop).
            switch oc {
            case 1: rows.compute(ThinOutputs1.self)
            case 2: rows.compute(ThinOutputs2.self)
            case 3: rows.compute(ThinOutputs3.self)
            default: rows.compute(ThinOutputs4.self)
            }
            y &+= 4
            if y &- bandStart >= bandRows { bandStart = y }
        }
        for o in 0 ..< oc {
            biasActivationForward(out + (o &* plane &+ y0 &* ow), bias: bias.map { $0 + o }, batch: 1, channels: 1,
                                  plane: (y1 - y0) * ow, activation: activation)
        }
    }
}

/// Four output rows of a thin convolution from a padded band: 16 pixels × 4 rows × `outputs`
/// channels in up to 16 registers per strip; each input vector serves every output, each
/// broadcast weight all four rows.
struct ThinRows {
    let pad: UnsafeMutablePointer<Float>, packed: UnsafeMutablePointer<Float>
    let channels: Int, kernelHeight: Int, kernelWidth: Int, dilationY: Int, dilationX: Int
    let bandHeight: Int, paddedWidth: Int
    let out: UnsafeMutablePointer<Float>, y: Int, rowLimit: Int, outputWidth: Int, plane: Int

    func compute<Outputs: ThinOutputCount>(_: Outputs.Type) {
        let outputs = Outputs.count, wp = paddedWidth
        var x = 0
        while x < outputWidth {
            var acc = ThinAccumulators()
            var t = 0
            for ch in 0 ..< channels {
                for i in 0 ..< kernelHeight {
                    let row = pad + ((ch &* bandHeight &+ i &* dilationY) &* wp &+ x)
                    for j in 0 ..< kernelWidth {
                        let p = row + j &* dilationX
                        let v0 = load16(p), v1 = load16(p + wp), v2 = load16(p + 2 &* wp), v3 = load16(p + 3 &* wp)
                        let w = packed + t &* 4
                        acc.add(output: 0, weight: w[0], v0, v1, v2, v3)
                        if outputs > 1 { acc.add(output: 1, weight: w[1], v0, v1, v2, v3) }
                        if outputs > 2 { acc.add(output: 2, weight: w[2], v0, v1, v2, v3) }
                        if outputs > 3 { acc.add(output: 3, weight: w[3], v0, v1, v2, v3) }
                        t &+= 1
                    }
                }
            }
            let count = min(16, outputWidth &- x)
            for r in 0 ..< 4 where y &+ r < rowLimit {
                let dst = out + ((y &+ r) &* outputWidth &+ x)
                for o in 0 ..< outputs { storeStrip(dst + o &* plane, acc[o, r], count) }
            }
            x &+= 16
        }
    }
}

/// A thin layer's output count (1 … 4) as a type, for `ThinRows.compute`'s specialisations.
protocol ThinOutputCount { static var count: Int { get } }
enum ThinOutputs1: ThinOutputCount { static var count: Int { 1 } }
enum ThinOutputs2: ThinOutputCount { static var count: Int { 2 } }
enum ThinOutputs3: ThinOutputCount { static var count: Int { 3 } }
enum ThinOutputs4: ThinOutputCount { static var count: Int { 4 } }

/// 4 outputs × 4 rows of 16-lane sums, as separate stored properties so they stay in registers.
struct ThinAccumulators {
    var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
    var b0 = SIMD16<Float>(), b1 = SIMD16<Float>(), b2 = SIMD16<Float>(), b3 = SIMD16<Float>()
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
    var d0 = SIMD16<Float>(), d1 = SIMD16<Float>(), d2 = SIMD16<Float>(), d3 = SIMD16<Float>()

    @inline(__always)
    mutating func add(output: Int, weight: Float, _ v0: SIMD16<Float>, _ v1: SIMD16<Float>, _ v2: SIMD16<Float>, _ v3: SIMD16<Float>) {
        let w = SIMD16<Float>(repeating: weight)
        switch output {
        case 0: multiplyAdd(&a0, v0, w); multiplyAdd(&a1, v1, w); multiplyAdd(&a2, v2, w); multiplyAdd(&a3, v3, w)
        case 1: multiplyAdd(&b0, v0, w); multiplyAdd(&b1, v1, w); multiplyAdd(&b2, v2, w); multiplyAdd(&b3, v3, w)
        case 2: multiplyAdd(&c0, v0, w); multiplyAdd(&c1, v1, w); multiplyAdd(&c2, v2, w); multiplyAdd(&c3, v3, w)
        default: multiplyAdd(&d0, v0, w); multiplyAdd(&d1, v1, w); multiplyAdd(&d2, v2, w); multiplyAdd(&d3, v3, w)
        }
    }

    @inline(__always)
    subscript(output: Int, row: Int) -> SIMD16<Float> {
        switch (output, row) {
        case (0, 0): a0
        case (0, 1): a1
        case (0, 2): a2
        case (0, _): a3
        case (1, 0): b0
        case (1, 1): b1
        case (1, 2): b2
        case (1, _): b3
        case (2, 0): c0
        case (2, 1): c1
        case (2, 2): c2
        case (2, _): c3
        case (_, 0): d0
        case (_, 1): d1
        case (_, 2): d2
        default: d3
        }
    }
}

/// `acc += a · b`: one fused multiply-add per lane where the build targets this CPU; a multiply
/// and an add in portable builds (baseline x86-64 has no FMA, and `addingProduct` would call
/// `fmaf` per lane there).
@inline(__always)
func multiplyAdd(_ acc: inout SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) {
    #if DEBLUR_NATIVE_CPU
    acc.addProduct(a, b)
    #else
    acc += a * b
    #endif
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
