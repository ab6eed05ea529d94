import Foundation
import ImageCore

// Winograd minimal filtering F(2×2, 3×3) (Lavin & Gray 2016) for 3×3 stride-1 convolutions:
// each 2×2 output tile costs 16 multiplies per (input, output) channel pair instead of 36.
//
//   U_ξ (OC, C) = (G g Gᵀ)_ξ            weight transform, once per call
//   V_ξ (C, T)  = (Bᵀ d B)_ξ            input transform of each 4×4 input tile d
//   M_ξ (OC, T) = U_ξ · V_ξ             16 sgemm, one per ξ of the 4×4 transformed tile
//   Y           = Aᵀ M A                output transform to the 2×2 output tile, then bias + activation
//
//   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  Aᵀ = [1 1 1 0; 0 1 −1 −1]
//
// Schedule: work items are (image, band of tile rows) taken dynamically by `parallelFor` workers with
// single-threaded sgemm; a band's transformed input and products stay under `winogradBandFloats`.
// Accuracy: Float, relative error ~1e-6 against the direct sum (F(2, 3) has small transform constants).

/// Floats of transformed input and products per band (V and M together), per worker: 512 KiB,
/// so a band stays in L2 between its transform, its 16 products and the output transform
/// (measured on the 512² U-Net: 2 MiB bands 0.18 s, 512 KiB 0.17 s; `DEBLUR_WINOGRAD_BAND` overrides).
let winogradBandFloats: Int = {
    if let text = ProcessInfo.processInfo.environment["DEBLUR_WINOGRAD_BAND"], let n = Int(text), n > 0 { return n }
    return 1 << 17
}()

/// One row r of Bᵀd times B: (r0 − r2, r1 + r2, r2 − r1, r1 − r3), written `stride` apart.
@inline(__always)
private func storeTransformedRow(_ r: SIMD4<Float>, _ q: UnsafeMutablePointer<Float>, _ stride: Int) {
    q[0] = r[0] - r[2]; q[stride] = r[1] + r[2]; q[2 &* stride] = r[2] - r[1]; q[3 &* stride] = r[1] - r[3]
}

/// True when `winogradConv2dForward` handles this geometry: 3×3 kernel, stride 1, dilation 1,
/// one group, padding ≤ 2, at least 8 input and output channels (below that im2col is cheaper).
@inlinable
public func isWinogradConvolution(_ g: Conv2dGeometry) -> Bool {
    g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1 && g.dilationY == 1 && g.dilationX == 1
        && g.groups == 1 && g.paddingY <= 2 && g.paddingX <= 2 && g.inputChannels >= 8 && g.outputChannels >= 8
}

/// Forward 3×3 stride-1 convolution by Winograd F(2×2, 3×3), with fused bias and activation.
///
///     input (N, C, H, W), weight (OC, C, 3, 3), bias (OC) or nil -> output (N, OC, OH, OW)
public func winogradConv2dForward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                  output: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry,
                                  activation: Activation = .identity, parallelOverBatch: Bool = true) {
    precondition(isWinogradConvolution(g), "winogradConv2dForward needs a 3×3 stride-1 single-group geometry: \(g)")
    let c = g.inputChannels, oc = g.outputChannels, h = g.inputHeight, w = g.inputWidth
    let oh = g.outputHeight, ow = g.outputWidth, py = g.paddingY, px = g.paddingX
    let tilesY = (oh + 1) / 2, tilesX = (ow + 1) / 2
    // Weight transform U_ξ = G g Gᵀ, laid out (16, OC, C).
    let u = TensorStorage(uninitializedCount: 16 * oc * c)
    for o in 0 ..< oc {
        for ch in 0 ..< c {
            let k = weight + (o &* c &+ ch) &* 9
            // G g (4×3) as three columns of 4, then each row (a, b, d) of it times Gᵀ.
            let g0 = SIMD4<Float>(k[0], k[1], k[2], 0), g1 = SIMD4<Float>(k[3], k[4], k[5], 0)
            let g2 = SIMD4<Float>(k[6], k[7], k[8], 0)
            let sum: SIMD4<Float> = g0 + g1 + g2, difference: SIMD4<Float> = g0 - g1 + g2
            let half = SIMD4<Float>(repeating: 0.5)
            let step = oc &* c
            for i in 0 ..< 4 {
                let r: SIMD4<Float> = i == 0 ? g0 : i == 1 ? half * sum : i == 2 ? half * difference : g2
                let q = u.pointer + ((i &* 4 &* oc &+ o) &* c &+ ch)
                q[0] = r[0]
                q[step] = 0.5 * (r[0] + r[1] + r[2])
                q[2 &* step] = 0.5 * (r[0] - r[1] + r[2])
                q[3 &* step] = r[2]
            }
        }
    }
    let bandTileRows = max(1, min(tilesY, winogradBandFloats / max(1, 16 * (c + oc) * tilesX)))
    let bands = (tilesY + bandTileRows - 1) / bandTileRows
    let maxTiles = bandTileRows * tilesX
    let workers = parallelOverBatch ? workerThreadCount : 1
    let scratch = TensorStorage(uninitializedCount: workers * 16 * (c + oc) * maxTiles)
    BLASThreads.run(g.batch * bands, parallelOverBatch: parallelOverBatch) { worker, item in
        let n = item / bands, band = item % bands
        let ty0 = band * bandTileRows, ty1 = min(tilesY, ty0 + bandTileRows), tiles = (ty1 - ty0) * tilesX
        let v = scratch.pointer + worker &* 16 &* (c + oc) &* maxTiles, m = v + 16 &* c &* maxTiles
        let image = input + n &* g.inputImageSize
        // Input transform: V_ξ[ch, t] = (Bᵀ d B)_ξ.
        for ch in 0 ..< c {
            winogradInputTransform(plane: image + ch &* h &* w, height: h, width: w, paddingY: py, paddingX: px,
                                   tileRows: ty0 ..< ty1, tilesX: tilesX, v: v + ch &* maxTiles, stride: c &* maxTiles)
        }
        // 16 products M_ξ (OC × tiles) = U_ξ (OC × C) · V_ξ (C × tiles).
        for xi in 0 ..< 16 {
            sgemm(m: oc, n: tiles, k: c, a: u.pointer + xi &* oc &* c, lda: c, b: v + xi &* c &* maxTiles, ldb: maxTiles,
                  c: m + xi &* oc &* maxTiles, ldc: maxTiles)
        }
        // Output transform Y = Aᵀ M A, bias, activation, clipped to the image.
        let out = output + n &* g.outputImageSize
        for o in 0 ..< oc {
            winogradOutputTransform(m: m + o &* maxTiles, stride: oc &* maxTiles, plane: out + o &* oh &* ow,
                                    height: oh, width: ow, tileRows: ty0 ..< ty1, tilesX: tilesX,
                                    bias: bias?[o] ?? 0, activation: activation)
        }
    }
}

@inline(__always)
private func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self) }
/// One row of Bᵀd times B for four tiles at once (lanes = tiles).
@inline(__always)
private func storeTransformedRows(_ r: (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>),
                                  _ q: UnsafeMutablePointer<Float>, _ stride: Int) {
    store4(r.0 - r.2, q)
    store4(r.1 + r.2, q + stride)
    store4(r.2 - r.1, q + 2 &* stride)
    store4(r.1 - r.3, q + 3 &* stride)
}

@inline(__always)
private func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self) }

/// Bᵀ d B for the tiles of one channel plane: tile (ty, tx) reads input rows 2ty − py … +3 and
/// columns 2tx − px … +3 (zero outside) and writes its 16 values to `v[ξ·stride + t]`, t counting
/// tiles from the first of `tileRows`. Inside the image four neighbouring tiles are transformed at
/// once (lanes = tiles; two 8-wide loads per input row, split into even and odd columns).
private func winogradInputTransform(plane: UnsafePointer<Float>, height h: Int, width w: Int, paddingY py: Int, paddingX px: Int,
                                    tileRows: Range<Int>, tilesX: Int, v: UnsafeMutablePointer<Float>, stride: Int) {
    for ty in tileRows {
        let y0 = 2 &* ty &- py, rowInside = y0 >= 0 && y0 &+ 4 <= h
        let rowBase = v + (ty &- tileRows.lowerBound) &* tilesX
        var tx = 0
        while tx < tilesX {
            let x0 = 2 &* tx &- px
            if rowInside && tx &+ 4 <= tilesX && x0 >= 0 && x0 &+ 10 <= w {
                let p = plane + (y0 &* w &+ x0)
                // d[i][j] for four tiles: column 2·lane + j of input row i.
                let a0 = load8(p), b0 = load8(p + 2), a1 = load8(p + w), b1 = load8(p + (w &+ 2))
                let a2 = load8(p + 2 &* w), b2 = load8(p + (2 &* w &+ 2)), a3 = load8(p + 3 &* w), b3 = load8(p + (3 &* w &+ 2))
                // Bᵀ d (rows), element-wise over the four columns j.
                let r0 = (a0.evenHalf - a2.evenHalf, a0.oddHalf - a2.oddHalf, b0.evenHalf - b2.evenHalf, b0.oddHalf - b2.oddHalf)
                let r1 = (a1.evenHalf + a2.evenHalf, a1.oddHalf + a2.oddHalf, b1.evenHalf + b2.evenHalf, b1.oddHalf + b2.oddHalf)
                let r2 = (a2.evenHalf - a1.evenHalf, a2.oddHalf - a1.oddHalf, b2.evenHalf - b1.evenHalf, b2.oddHalf - b1.oddHalf)
                let r3 = (a1.evenHalf - a3.evenHalf, a1.oddHalf - a3.oddHalf, b1.evenHalf - b3.evenHalf, b1.oddHalf - b3.oddHalf)
                let q = rowBase + tx
                storeTransformedRows(r0, q, stride)
                storeTransformedRows(r1, q + 4 &* stride, stride)
                storeTransformedRows(r2, q + 8 &* stride, stride)
                storeTransformedRows(r3, q + 12 &* stride, stride)
                tx &+= 4
            } else {
                func row(_ r: Int) -> SIMD4<Float> {
                    let y = y0 &+ r
                    guard y >= 0 && y < h else { return SIMD4<Float>() }
                    var out = SIMD4<Float>()
                    for j in 0 ..< 4 where x0 &+ j >= 0 && x0 &+ j < w { out[j] = plane[y &* w &+ x0 &+ j] }
                    return out
                }
                let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3)
                let base = rowBase + tx
                storeTransformedRow(d0 - d2, base, stride)
                storeTransformedRow(d1 + d2, base + 4 &* stride, stride)
                storeTransformedRow(d2 - d1, base + 8 &* stride, stride)
                storeTransformedRow(d1 - d3, base + 12 &* stride, stride)
                tx &+= 1
            }
        }
    }
}

/// Aᵀ M A for the tiles of one output channel: `m[ξ·stride + t]` -> the 2×2 output tiles (clipped
/// at the image edge), plus `bias`, then `activation`. Four neighbouring tiles at once inside the image.
private func winogradOutputTransform(m: UnsafePointer<Float>, stride: Int, plane: UnsafeMutablePointer<Float>,
                                     height oh: Int, width ow: Int, tileRows: Range<Int>, tilesX: Int,
                                     bias: Float, activation: Activation) {
    let b4 = SIMD4<Float>(repeating: bias), zero8 = SIMD8<Float>()
    let fusedRelu = activation == .relu
    for ty in tileRows {
        let y = 2 &* ty, rowBase = m + (ty &- tileRows.lowerBound) &* tilesX
        var tx = 0
        while tx < tilesX {
            let x = 2 &* tx
            let q = rowBase + tx
            if tx &+ 4 <= tilesX && x &+ 8 <= ow && y &+ 2 <= oh {
                // Aᵀ M: per column j, rows 0 and 1 (lanes = four tiles).
                var top = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())
                var bottom = top
                for j in 0 ..< 4 {
                    let m0 = load4(q + j &* stride), m1 = load4(q + (4 &+ j) &* stride)
                    let m2 = load4(q + (8 &+ j) &* stride), m3 = load4(q + (12 &+ j) &* stride)
                    let t = m0 + m1 + m2, u = m1 - m2 - m3
                    switch j {
                    case 0: top.0 = t; bottom.0 = u
                    case 1: top.1 = t; bottom.1 = u
                    case 2: top.2 = t; bottom.2 = u
                    default: top.3 = t; bottom.3 = u
                    }
                }
                var row0 = SIMD8<Float>(), row1 = SIMD8<Float>()
                row0.evenHalf = top.0 + top.1 + top.2 + b4
                row0.oddHalf = top.1 - top.2 - top.3 + b4
                row1.evenHalf = bottom.0 + bottom.1 + bottom.2 + b4
                row1.oddHalf = bottom.1 - bottom.2 - bottom.3 + b4
                if fusedRelu {
                    row0.replace(with: 0, where: row0 .< zero8)
                    row1.replace(with: 0, where: row1 .< zero8)
                }
                UnsafeMutableRawPointer(plane + (y &* ow &+ x)).storeBytes(of: row0, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(plane + ((y &+ 1) &* ow &+ x)).storeBytes(of: row1, as: SIMD8<Float>.self)
                tx &+= 4
            } else {
                var r0 = SIMD4<Float>(), r1 = SIMD4<Float>()
                for j in 0 ..< 4 {
                    let m0 = q[j &* stride], m1 = q[(4 &+ j) &* stride], m2 = q[(8 &+ j) &* stride], m3 = q[(12 &+ j) &* stride]
                    r0[j] = m0 + m1 + m2
                    r1[j] = m1 - m2 - m3
                }
                let values = (r0[0] + r0[1] + r0[2] + bias, r0[1] - r0[2] - r0[3] + bias,
                              r1[0] + r1[1] + r1[2] + bias, r1[1] - r1[2] - r1[3] + bias)
                let dst = plane + (y &* ow &+ x)
                dst[0] = fusedRelu ? max(values.0, 0) : values.0
                if x &+ 1 < ow { dst[1] = fusedRelu ? max(values.1, 0) : values.1 }
                if y &+ 1 < oh {
                    dst[ow] = fusedRelu ? max(values.2, 0) : values.2
                    if x &+ 1 < ow { dst[ow &+ 1] = fusedRelu ? max(values.3, 0) : values.3 }
                }
                tx &+= 1
            }
        }
        if activation != .identity && !fusedRelu {
            for yy in y ..< min(oh, y &+ 2) { activationForward(plane + yy &* ow, count: ow, activation: activation) }
        }
    }
}

/// `w′[c, o, i, j] = w[o, c, 2 − i, 2 − j]`: the weight of the convolution that maps a 3×3 convolution's
/// output gradient to its input gradient (stride 1, padding 2 − p).
func flippedTransposedWeight3x3(_ weight: UnsafePointer<Float>, outputChannels oc: Int, inputChannels c: Int) -> TensorStorage {
    let flipped = TensorStorage(uninitializedCount: oc * c * 9)
    for o in 0 ..< oc {
        for ch in 0 ..< c {
            for t in 0 ..< 9 { flipped.pointer[(ch &* oc &+ o) &* 9 &+ t] = weight[(o &* c &+ ch) &* 9 &+ 8 &- t] }
        }
    }
    return flipped
}
