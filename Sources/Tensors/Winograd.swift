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
// The input gradient is the same forward pass with the flipped, transposed weight (Convolution.swift);
// the weight gradient reuses V: dU_ξ = Σ dM_ξ · V_ξᵀ with dM = A dY Aᵀ, then dW = Gᵀ dU G.
//
//   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  Aᵀ = [1 1 1 0; 0 1 −1 −1]
//
// Schedule: work items are (image, band of tile rows) taken dynamically by `parallelFor` workers with
// single-threaded sgemm; a band's transformed input and products stay under `winogradBandFloats`.
// A band's input rows are first copied with their zero border, so the transform has no edge cases.
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
    let c = g.inputChannels, oc = g.outputChannels
    let oh = g.outputHeight, ow = g.outputWidth, tilesX = (ow + 1) / 2
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
    let layout = WinogradBands(g, extraPerWorker: 0, parallelOverBatch: parallelOverBatch)
    let maxTiles = layout.maxTiles, vStride = layout.vStride, mStride = layout.mStride
    BLASThreads.run(g.batch * layout.bands, parallelOverBatch: parallelOverBatch) { worker, item in
        let (n, ty0, ty1) = layout.item(item)
        let tiles = (ty1 - ty0) * tilesX
        let (v, m, padded) = layout.scratch(worker)
        // Input transform: V_ξ[ch, t] = (Bᵀ d B)_ξ.
        layout.transformInput(input + n &* g.inputImageSize, tileRows: ty0 ..< ty1, v: v, padded: padded)
        // 16 products M_ξ (OC × tiles) = U_ξ (OC × C) · V_ξ (C × tiles).
        for xi in 0 ..< 16 {
            sgemm(m: oc, n: tiles, k: c, a: u.pointer + xi &* oc &* c, lda: c, b: v + xi &* vStride, ldb: maxTiles,
                  c: m + xi &* mStride, ldc: maxTiles)
        }
        // Output transform Y = Aᵀ M A, bias, activation, clipped to the image.
        let out = output + n &* g.outputImageSize
        for o in 0 ..< oc {
            winogradOutputTransform(m: m + o &* maxTiles, stride: mStride, plane: out + o &* oh &* ow,
                                    height: oh, width: ow, tileRows: ty0 ..< ty1, tilesX: tilesX,
                                    bias: bias?[o] ?? 0, activation: activation)
        }
    }
}

/// How a Winograd layer's work is cut: items are (image, band of tile rows); a band's transformed
/// input V (16 × C × tiles) and products M (16 × OC × tiles) stay under `winogradBandFloats`. Each
/// worker owns V, M, a padded copy of the band's input rows and `extraPerWorker` further floats.
struct WinogradBands {
    let g: Conv2dGeometry
    let tilesY: Int, tilesX: Int, bandTileRows: Int, bands: Int, maxTiles: Int
    /// The 16 ξ-planes of V and of M are one cache line further apart than their size: at power-of-two
    /// sizes (32 channels × 128 tiles = 16 KiB) the transforms' 16 streams would all map to one L1 set.
    let vStride: Int, mStride: Int
    let paddedCount: Int, perWorker: Int
    let storage: TensorStorage

    init(_ g: Conv2dGeometry, extraPerWorker: Int, parallelOverBatch: Bool) {
        self.g = g
        tilesY = (g.outputHeight + 1) / 2
        tilesX = (g.outputWidth + 1) / 2
        bandTileRows = max(1, min(tilesY, winogradBandFloats / max(1, 16 * (g.inputChannels + g.outputChannels) * tilesX)))
        bands = (tilesY + bandTileRows - 1) / bandTileRows
        maxTiles = bandTileRows * tilesX
        vStride = g.inputChannels * maxTiles + 16
        mStride = g.outputChannels * maxTiles + 16
        paddedCount = (2 * bandTileRows + 2) * (2 * tilesX + 2)
        perWorker = 16 * (vStride + mStride) + paddedCount + extraPerWorker
        storage = TensorStorage(uninitializedCount: (parallelOverBatch ? workerThreadCount : 1) * perWorker)
    }

    /// Image and tile rows of work item `item`.
    func item(_ item: Int) -> (image: Int, firstTileRow: Int, endTileRow: Int) {
        let band = item % bands, ty0 = band * bandTileRows
        return (item / bands, ty0, min(tilesY, ty0 + bandTileRows))
    }

    func scratch(_ worker: Int) -> (v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>) {
        let v = storage.pointer + worker &* perWorker, m = v + 16 &* vStride
        return (v, m, m + 16 &* mStride)
    }

    /// The worker's extra floats (`extraPerWorker` at init).
    func extra(_ worker: Int) -> UnsafeMutablePointer<Float> { scratch(worker).padded + paddedCount }

    /// V_ξ[ch, t] = (Bᵀ d B)_ξ for every input channel of one image.
    func transformInput(_ image: UnsafePointer<Float>, tileRows: Range<Int>, v: UnsafeMutablePointer<Float>,
                        padded: UnsafeMutablePointer<Float>) {
        let h = g.inputHeight, w = g.inputWidth
        for ch in 0 ..< g.inputChannels {
            winogradInputTransform(plane: image + ch &* h &* w, height: h, width: w, paddingY: g.paddingY, paddingX: g.paddingX,
                                   tileRows: tileRows, tilesX: tilesX, v: v + ch &* maxTiles, stride: vStride, padded: padded)
        }
    }
}

/// Weight gradient of a 3×3 stride-1 convolution by Winograd F(2×2, 3×3): with V = Bᵀ d B the input
/// tiles (as in the forward pass) and dM = A dY Aᵀ the output-gradient tiles (zero beyond the image),
///
///     dU_ξ (OC, C) = Σ over images and tiles of dM_ξ (OC × tiles) · V_ξᵀ (tiles × C)     16 sgemm per band
///     dW[o, c]     = Gᵀ dU[o, c] G                                                        once per call
///
/// 2.25× fewer multiplies than im2col's dOutput · columnsᵀ and no 9× column matrix.
///
///     input (N, C, H, W), dOutput (N, OC, OH, OW) -> dWeight (OC, C, 3, 3), overwritten or (`accumulate`) added to
public func winogradConv2dWeightGradient(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                         dWeight: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry,
                                         accumulate: Bool = false, parallelOverBatch: Bool = true) {
    precondition(isWinogradConvolution(g), "winogradConv2dWeightGradient needs a 3×3 stride-1 single-group geometry: \(g)")
    let c = g.inputChannels, oc = g.outputChannels, oh = g.outputHeight, ow = g.outputWidth
    let uCount = 16 * oc * c
    // Each worker sums its dU_ξ (16, OC, C) in its extra scratch; the sums are added at the end.
    let layout = WinogradBands(g, extraPerWorker: uCount, parallelOverBatch: parallelOverBatch)
    let workers = min(g.batch * layout.bands, parallelOverBatch ? workerThreadCount : 1)
    for worker in 0 ..< workers { layout.extra(worker).update(repeating: 0, count: uCount) }
    let maxTiles = layout.maxTiles, tilesX = layout.tilesX
    BLASThreads.run(g.batch * layout.bands, parallelOverBatch: parallelOverBatch) { worker, item in
        let (n, ty0, ty1) = layout.item(item)
        let tiles = (ty1 - ty0) * tilesX
        let (v, dm, padded) = layout.scratch(worker)
        layout.transformInput(input + n &* g.inputImageSize, tileRows: ty0 ..< ty1, v: v, padded: padded)
        let dOut = dOutput + n &* g.outputImageSize
        for o in 0 ..< oc {
            winogradOutputGradientTransform(plane: dOut + o &* oh &* ow, height: oh, width: ow, tileRows: ty0 ..< ty1,
                                            tilesX: tilesX, dm: dm + o &* maxTiles, stride: layout.mStride)
        }
        let du = layout.extra(worker)
        for xi in 0 ..< 16 {
            sgemm(transposeB: true, m: oc, n: c, k: tiles, a: dm + xi &* layout.mStride, lda: maxTiles,
                  b: v + xi &* layout.vStride, ldb: maxTiles, beta: 1, c: du + xi &* oc &* c, ldc: c)
        }
    }
    let du = layout.extra(0)
    for worker in 1 ..< max(1, workers) {
        let other = layout.extra(worker)
        for i in 0 ..< uCount { du[i] += other[i] }
    }
    // dW = Gᵀ dU G with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]: row i of Gᵀ X is (x0 + ½(x1 + x2), ½(x1 − x2), ½(x1 + x2) + x3).
    let step = oc * c
    for o in 0 ..< oc {
        for ch in 0 ..< c {
            // x_i[j] = dU_{4i+j}[o, ch]
            let e = du + (o &* c &+ ch)
            func row(_ i: Int) -> SIMD4<Float> {
                SIMD4(e[4 &* i &* step], e[(4 &* i &+ 1) &* step], e[(4 &* i &+ 2) &* step], e[(4 &* i &+ 3) &* step])
            }
            let x = (row(0), row(1), row(2), row(3))
            // Gᵀ X (3×4), then each row times G (4 -> 3).
            let rows = (x.0 + 0.5 * (x.1 + x.2), 0.5 * (x.1 - x.2), 0.5 * (x.1 + x.2) + x.3)
            let k = dWeight + (o &* c &+ ch) &* 9
            for i in 0 ..< 3 {
                let r = i == 0 ? rows.0 : i == 1 ? rows.1 : rows.2
                let values = (r[0] + 0.5 * (r[1] + r[2]), 0.5 * (r[1] - r[2]), 0.5 * (r[1] + r[2]) + r[3])
                if accumulate {
                    k[3 &* i] += values.0; k[3 &* i &+ 1] += values.1; k[3 &* i &+ 2] += values.2
                } else {
                    k[3 &* i] = values.0; k[3 &* i &+ 1] = values.1; k[3 &* i &+ 2] = values.2
                }
            }
        }
    }
}

/// A dY Aᵀ for the tiles of one output-gradient channel, A = [1 0; 1 1; 1 −1; 0 −1]: tile (ty, tx)
/// reads dY rows 2ty, 2ty + 1 and columns 2tx, 2tx + 1 (zero beyond the image) and writes its 16
/// values to `dm[ξ·stride + t]`. Eight neighbouring tiles at once inside the image.
private func winogradOutputGradientTransform(plane: UnsafePointer<Float>, height oh: Int, width ow: Int, tileRows: Range<Int>,
                                             tilesX: Int, dm: UnsafeMutablePointer<Float>, stride: Int) {
    for ty in tileRows {
        let y = 2 &* ty, base = dm + (ty &- tileRows.lowerBound) &* tilesX
        let twoRows = y &+ 1 < oh
        var tx = 0
        while tx < tilesX {
            let x = 2 &* tx
            if twoRows && tx &+ 8 <= tilesX && x &+ 16 <= ow {
                let a = load16(plane + (y &* ow &+ x)), b = load16(plane + ((y &+ 1) &* ow &+ x))
                // Row a of the tiles: (u, v) = (even, odd) columns; A·dY rows, then times Aᵀ.
                let u0 = a.evenHalf, v0 = a.oddHalf, u1 = b.evenHalf, v1 = b.oddHalf
                let rowU = (u0, u0 + u1, u0 - u1, -u1), rowV = (v0, v0 + v1, v0 - v1, -v1)
                let q = base + tx
                storeGradientRow(rowU.0, rowV.0, q, stride)
                storeGradientRow(rowU.1, rowV.1, q + 4 &* stride, stride)
                storeGradientRow(rowU.2, rowV.2, q + 8 &* stride, stride)
                storeGradientRow(rowU.3, rowV.3, q + 12 &* stride, stride)
                tx &+= 8
            } else {
                let p = plane + (y &* ow &+ x)
                let d00 = p[0], d01 = x &+ 1 < ow ? p[1] : 0
                let d10 = twoRows ? p[ow] : 0, d11 = twoRows && x &+ 1 < ow ? p[ow &+ 1] : 0
                let u = SIMD4<Float>(d00, d00 + d10, d00 - d10, -d10), v = SIMD4<Float>(d01, d01 + d11, d01 - d11, -d11)
                let q = base + tx
                for i in 0 ..< 4 {
                    let r = q + 4 &* i &* stride
                    r[0] = u[i]; r[stride] = u[i] + v[i]; r[2 &* stride] = u[i] - v[i]; r[3 &* stride] = -v[i]
                }
                tx &+= 1
            }
        }
    }
}

/// One row (u, v) of A·dY times Aᵀ for eight tiles: (u, u + v, u − v, −v), written `stride` apart.
@inline(__always)
private func storeGradientRow(_ u: SIMD8<Float>, _ v: SIMD8<Float>, _ q: UnsafeMutablePointer<Float>, _ stride: Int) {
    store8(u, q)
    store8(u + v, q + stride)
    store8(u - v, q + 2 &* stride)
    store8(-v, q + 3 &* stride)
}

@inline(__always)
private func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self) }
/// One row of Bᵀd times B for eight tiles at once (lanes = tiles).
@inline(__always)
private func storeTransformedRows(_ r: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>),
                                  _ q: UnsafeMutablePointer<Float>, _ stride: Int) {
    store8(r.0 - r.2, q)
    store8(r.1 + r.2, q + stride)
    store8(r.2 - r.1, q + 2 &* stride)
    store8(r.1 - r.3, q + 3 &* stride)
}

@inline(__always)
private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self) }

/// Bᵀ d B for the tiles of one channel plane: tile (ty, tx) reads input rows 2ty − py … +3 and
/// columns 2tx − px … +3 (zero outside) and writes its 16 values to `v[ξ·stride + t]`, t counting
/// tiles from the first of `tileRows`. The band's input rows are first copied into `padded` with
/// their zero border (rows 2·tileRows.count + 2, columns 2·tilesX + 2), so every tile reads in
/// bounds; eight neighbouring tiles are then transformed at once (lanes = tiles; two 16-wide loads
/// per input row, split into even and odd columns), the last group of a row overlapping the one
/// before it when tilesX is not a multiple of 8.
private func winogradInputTransform(plane: UnsafePointer<Float>, height h: Int, width w: Int, paddingY py: Int, paddingX px: Int,
                                    tileRows: Range<Int>, tilesX: Int, v: UnsafeMutablePointer<Float>, stride: Int,
                                    padded: UnsafeMutablePointer<Float>) {
    let pw = 2 &* tilesX &+ 2, rows = 2 &* tileRows.count &+ 2, firstRow = 2 &* tileRows.lowerBound &- py
    // Rows are short (tens of floats), so an inline copy beats a memmove call per row.
    let x0 = min(px, pw), x1 = max(x0, min(pw, w &+ px))  // padded column j holds image column j − px
    for r in 0 ..< rows {
        let dst = padded + r &* pw, y = firstRow &+ r
        guard y >= 0 && y < h else { for j in 0 ..< pw { dst[j] = 0 }; continue }
        for j in 0 ..< x0 { dst[j] = 0 }
        let src = plane + (y &* w &- px)
        var j = x0
        while j &+ 16 <= x1 {
            UnsafeMutableRawPointer(dst + j).storeBytes(of: load16(src + j), as: SIMD16<Float>.self)
            j &+= 16
        }
        while j < x1 { dst[j] = src[j]; j &+= 1 }
        for j in x1 ..< pw { dst[j] = 0 }
    }
    for ty in tileRows {
        let p0 = padded + 2 &* (ty &- tileRows.lowerBound) &* pw
        let rowBase = v + (ty &- tileRows.lowerBound) &* tilesX
        if tilesX >= 8 {
            var tx = 0
            while tx < tilesX {
                let t = min(tx, tilesX &- 8), p = p0 + 2 &* t
                // d[i][j] for eight tiles: column 2·lane + j of padded row i.
                let a0 = load16(p), b0 = load16(p + 2), a1 = load16(p + pw), b1 = load16(p + (pw &+ 2))
                let a2 = load16(p + 2 &* pw), b2 = load16(p + (2 &* pw &+ 2))
                let a3 = load16(p + 3 &* pw), b3 = load16(p + (3 &* pw &+ 2))
                // Bᵀ d (rows), element-wise over the four columns j, then each row times B.
                let r0 = (a0.evenHalf - a2.evenHalf, a0.oddHalf - a2.oddHalf, b0.evenHalf - b2.evenHalf, b0.oddHalf - b2.oddHalf)
                let r1 = (a1.evenHalf + a2.evenHalf, a1.oddHalf + a2.oddHalf, b1.evenHalf + b2.evenHalf, b1.oddHalf + b2.oddHalf)
                let r2 = (a2.evenHalf - a1.evenHalf, a2.oddHalf - a1.oddHalf, b2.evenHalf - b1.evenHalf, b2.oddHalf - b1.oddHalf)
                let r3 = (a1.evenHalf - a3.evenHalf, a1.oddHalf - a3.oddHalf, b1.evenHalf - b3.evenHalf, b1.oddHalf - b3.oddHalf)
                let q = rowBase + t
                storeTransformedRows(r0, q, stride)
                storeTransformedRows(r1, q + 4 &* stride, stride)
                storeTransformedRows(r2, q + 8 &* stride, stride)
                storeTransformedRows(r3, q + 12 &* stride, stride)
                tx = t &+ 8
            }
        } else {
            for tx in 0 ..< tilesX {
                let p = p0 + 2 &* tx
                let d0 = load4(p), d1 = load4(p + pw), d2 = load4(p + 2 &* pw), d3 = load4(p + 3 &* pw)
                let base = rowBase + tx
                storeTransformedRow(d0 - d2, base, stride)
                storeTransformedRow(d1 + d2, base + 4 &* stride, stride)
                storeTransformedRow(d2 - d1, base + 8 &* stride, stride)
                storeTransformedRow(d1 - d3, base + 12 &* stride, stride)
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
