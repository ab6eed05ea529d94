import Foundation

// im2col / col2im: the data rearrangement that turns a convolution into one matrix product.
//
// One image (C, H, W) becomes the column matrix (C·KH·KW, OH·OW): row r = (c·KH + i)·KW + j holds,
// for every output pixel (y, x), the input value in[c, y·sy − py + i·dy, x·sx − px + j·dx] (zero
// outside). The matrix is written with row stride `ld` ≥ OH·OW, so several images can be laid side
// by side in one wide matrix (image n starting at column n·OH·OW) and multiplied in a single sgemm.
// The forward product is then out (OC, OH·OW) = weight (OC, C·KH·KW) · columns — no transposes.

/// Valid output-column range `[start, end)` for kernel offset `offset = j·dx − px`:
/// those `x` with `0 ≤ x·s + offset < width`.
@inline(__always)
func validRange(offset: Int, stride: Int, inputExtent: Int, outputExtent: Int) -> (Int, Int) {
    // start = ceil(−offset / stride) clamped at 0; end = floor((extent − 1 − offset) / stride) + 1 clamped.
    let start = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    let last = inputExtent - 1 - offset
    let end = last < 0 ? 0 : min(outputExtent, last / stride + 1)
    return (min(start, end), end)
}

/// image (C, H, W) of `channels` channels -> columns (channels·KH·KW, R·OW) with row stride `ld`,
/// for the output rows `rows` (R = rows.count; all OH rows by default), column 0 being output
/// pixel (rows.lowerBound, 0). Uses the geometry's spatial parameters; `channels` may be a group's share.
public func im2col(image: UnsafePointer<Float>, channels: Int, geometry g: Conv2dGeometry,
                   rows: Range<Int>? = nil, columns: UnsafeMutablePointer<Float>, ld: Int) {
    let h = g.inputHeight, w = g.inputWidth, ow = g.outputWidth
    let rows = rows ?? 0 ..< g.outputHeight
    let r0 = rows.lowerBound, oh = rows.upperBound
    let kh = g.kernelHeight, kw = g.kernelWidth, sy = g.strideY, sx = g.strideX
    for c in 0 ..< channels {
        let plane = image + c &* h &* w
        for i in 0 ..< kh {
            let offY = i &* g.dilationY &- g.paddingY
            let (yStart, yEnd) = validRange(offset: offY, stride: sy, inputExtent: h, outputExtent: oh)
            for j in 0 ..< kw {
                let row = columns + ((c &* kh &+ i) &* kw &+ j) &* ld - r0 &* ow
                let offX = j &* g.dilationX &- g.paddingX
                let (xStart, xEnd) = validRange(offset: offX, stride: sx, inputExtent: w, outputExtent: ow)
                let y0 = min(max(yStart, r0), oh), y1 = max(min(yEnd, oh), y0)
                if y0 > r0 { (row + r0 &* ow).update(repeating: 0, count: (y0 &- r0) &* ow) }
                for y in y0 ..< y1 {
                    let dst = row + y &* ow
                    let src = plane + ((y &* sy &+ offY) &* w &+ offX)
                    if xStart > 0 { dst.update(repeating: 0, count: xStart) }
                    if sx == 1 {
                        if xEnd > xStart { (dst + xStart).update(from: src + xStart, count: xEnd &- xStart) }
                    } else if sx == 2 {
                        // Even lanes of 16 consecutive inputs, eight outputs at a time.
                        var x = xStart
                        while x &+ 8 <= xEnd && (x &+ 7) &* 2 &+ 1 + offX < w {
                            let v = UnsafeRawPointer(src + x &* 2).loadUnaligned(as: SIMD16<Float>.self)
                            UnsafeMutableRawPointer(dst + x).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
                            x &+= 8
                        }
                        while x < xEnd { dst[x] = src[x &* 2]; x &+= 1 }
                    } else {
                        var x = xStart
                        while x < xEnd { dst[x] = src[x &* sx]; x &+= 1 }
                    }
                    if xEnd < ow { (dst + xEnd).update(repeating: 0, count: ow &- xEnd) }
                }
                if y1 < oh { (row + y1 &* ow).update(repeating: 0, count: (oh &- y1) &* ow) }
            }
        }
    }
}

/// The adjoint of `im2col`: columns (channels·KH·KW, R·OW) with row stride `ld`, for output rows
/// `rows`, are scattered and **added** into image (channels, H, W). Zero the image first for a
/// plain (non-accumulating) result.
///
/// With `overwrite` and a 3×3, stride-2, padding-1 geometry (`isThreeTapStrideTwo`), the image
/// need not be zeroed: each image row is *stored* once with everything the block holds for it —
/// even row 2y takes kernel row 1 at y; odd row 2y + 1 takes kernel row 2 at y and kernel row 0 at
/// y + 1 — so only the row just above a block (2·r0 − 1, whose kernel-row-0 part is in this block)
/// is added to. Row blocks (`rows`) of one image must then come in increasing order.
public func col2im(columns: UnsafePointer<Float>, ld: Int, channels: Int, geometry g: Conv2dGeometry,
                   rows: Range<Int>? = nil, image: UnsafeMutablePointer<Float>, overwrite: Bool = false) {
    precondition(!overwrite || isThreeTapStrideTwo(g), "col2im: overwrite needs a 3×3 stride-2 padding-1 geometry")
    let h = g.inputHeight, w = g.inputWidth, ow = g.outputWidth
    let rows = rows ?? 0 ..< g.outputHeight
    let r0 = rows.lowerBound, oh = rows.upperBound
    let kh = g.kernelHeight, kw = g.kernelWidth, sy = g.strideY, sx = g.strideX
    let threeTapRows = sx == 2 && kw == 3 && g.dilationX == 1 && g.paddingX == 1
    for c in 0 ..< channels {
        let plane = image + c &* h &* w
        // Kernel row i's three taps at block row y (a stride-2 transposed 3×3 convolution's usual case).
        func taps(_ i: Int, _ y: Int) -> ThreeTaps {
            let t0 = columns + (c &* kh &+ i) &* kw &* ld + (y &- r0) &* ow
            return ThreeTaps(t0, t0 + ld, t0 + 2 &* ld)
        }
        if overwrite {
            for y in r0 ..< oh {
                writeThreeTapRow(plane + 2 &* y &* w, taps(1, y), nil, columns: ow, width: w, store: true)
                if 2 &* y &+ 1 < h {
                    writeThreeTapRow(plane + (2 &* y &+ 1) &* w, taps(2, y), y &+ 1 < oh ? taps(0, y &+ 1) : nil,
                                     columns: ow, width: w, store: true)
                }
            }
            if r0 > 0 && r0 < oh {
                writeThreeTapRow(plane + (2 &* r0 &- 1) &* w, taps(0, r0), nil, columns: ow, width: w, store: false)
            }
            continue
        }
        for i in 0 ..< kh {
            let offY = i &* g.dilationY &- g.paddingY
            let (yStart, yEnd) = validRange(offset: offY, stride: sy, inputExtent: h, outputExtent: oh)
            let y0 = min(max(yStart, r0), oh), y1 = max(min(yEnd, oh), y0)
            if threeTapRows {
                // The three taps of a row in one pass: each image row is read and written once, not thrice.
                for y in y0 ..< y1 {
                    writeThreeTapRow(plane + (y &* sy &+ offY) &* w, taps(i, y), nil, columns: ow, width: w, store: false)
                }
                continue
            }
            for j in 0 ..< kw {
                let row = columns + ((c &* kh &+ i) &* kw &+ j) &* ld - r0 &* ow
                let offX = j &* g.dilationX &- g.paddingX
                let (xStart, xEnd) = validRange(offset: offX, stride: sx, inputExtent: w, outputExtent: ow)
                for y in y0 ..< y1 {
                    let src = row + y &* ow
                    let dst = plane + ((y &* sy &+ offY) &* w &+ offX)
                    var x = xStart
                    if sx == 1 {
                        while x &+ 8 <= xEnd {  // explicit lanes: the compiler cannot rule out aliasing here
                            let target = UnsafeMutableRawPointer(dst + x)
                            let sum = target.loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(src + x).loadUnaligned(as: SIMD8<Float>.self)
                            target.storeBytes(of: sum, as: SIMD8<Float>.self)
                            x &+= 8
                        }
                        while x < xEnd { dst[x] += src[x]; x &+= 1 }
                    } else if sx == 2 {
                        // Add eight values to the even lanes of 16 consecutive outputs at a time.
                        while x &+ 8 <= xEnd && (x &+ 7) &* 2 &+ 1 + offX < w {
                            var spread = SIMD16<Float>()
                            spread.evenHalf = UnsafeRawPointer(src + x).loadUnaligned(as: SIMD8<Float>.self)
                            let target = UnsafeMutableRawPointer(dst + x &* 2)
                            target.storeBytes(of: target.loadUnaligned(as: SIMD16<Float>.self) + spread, as: SIMD16<Float>.self)
                            x &+= 8
                        }
                        while x < xEnd { dst[x &* 2] += src[x]; x &+= 1 }
                    } else {
                        while x < xEnd { dst[x &* sx] += src[x]; x &+= 1 }
                    }
                }
            }
        }
    }
}

/// One kernel row's three column rows (taps j = 0, 1, 2) at one block row.
struct ThreeTaps {
    let t0: UnsafePointer<Float>, t1: UnsafePointer<Float>, t2: UnsafePointer<Float>
    @inline(__always) init(_ t0: UnsafePointer<Float>, _ t1: UnsafePointer<Float>, _ t2: UnsafePointer<Float>) {
        self.t0 = t0; self.t1 = t1; self.t2 = t2
    }

    /// Image columns 2x … 2x + 15 from block columns x … x + 7: column 2x takes tap 1 at x, column
    /// 2x + 1 takes tap 2 at x and tap 0 at x + 1 (nothing beyond the row's end, `columns`).
    @inline(__always) func spread(_ x: Int, columns ow: Int) -> SIMD16<Float> {
        var v = SIMD16<Float>()
        v.evenHalf = load8(t1 + x)
        let next: SIMD8<Float>
        if x &+ 9 <= ow {
            next = load8(t0 + (x &+ 1))
        } else {
            let last = load8(t0 + x)
            next = SIMD8(last[1], last[2], last[3], last[4], last[5], last[6], last[7], 0)
        }
        v.oddHalf = load8(t2 + x) + next
        return v
    }

    /// Image columns 2x and 2x + 1, one block column at a time (the row's tail).
    @inline(__always) func pair(_ x: Int, columns ow: Int) -> (even: Float, odd: Float) {
        (t1[x], t2[x] + (x &+ 1 < ow ? t0[x &+ 1] : 0))
    }
}

/// Writes (`store`) or adds one image row of a 3×3 stride-2 transposed convolution from one
/// kernel row's taps, plus a second kernel row's when given.
@inline(__always)
func writeThreeTapRow(_ dst: UnsafeMutablePointer<Float>, _ a: ThreeTaps, _ b: ThreeTaps?, columns ow: Int, width w: Int, store: Bool) {
    var x = 0
    while x &+ 8 <= ow && 2 &* x &+ 16 <= w {
        var v = a.spread(x, columns: ow)
        if let b { v += b.spread(x, columns: ow) }
        let target = UnsafeMutableRawPointer(dst + 2 &* x)
        target.storeBytes(of: store ? v : target.loadUnaligned(as: SIMD16<Float>.self) + v, as: SIMD16<Float>.self)
        x &+= 8
    }
    while x < ow {
        var (even, odd) = a.pair(x, columns: ow)
        if let b { let (e, o) = b.pair(x, columns: ow); even += e; odd += o }
        if 2 &* x < w { dst[2 &* x] = store ? even : dst[2 &* x] + even }
        if 2 &* x &+ 1 < w { dst[2 &* x &+ 1] = store ? odd : dst[2 &* x &+ 1] + odd }
        x &+= 1
    }
}

/// 3×3 kernel, stride 2, padding 1, no dilation on both axes (the usual "same" downsampling
/// convolution, whose transposed convolution doubles the size): `col2im` can then store instead
/// of adding, and nothing need be zeroed first (see `col2im`'s `overwrite`).
@inlinable
public func isThreeTapStrideTwo(_ g: Conv2dGeometry) -> Bool {
    g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 2 && g.strideX == 2 && g.paddingY == 1 && g.paddingX == 1
        && g.dilationY == 1 && g.dilationX == 1
}
