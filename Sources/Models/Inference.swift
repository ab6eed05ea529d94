import Foundation
import ImageCore
import NN
import Tensors

/// How full-resolution inference cuts an image into tiles.
public struct TilingOptions: Sendable, Equatable {
    /// Side of a tile's core (the part of the output it contributes), in pixels; rounded up to the
    /// network's multiple. Images whose padded size fits in one core run untiled.
    public var tile: Int
    /// Width of the band where neighbouring cores overlap and are cross-faded with a raised-cosine
    /// ramp (hides any seam when the context below is shorter than the receptive field).
    public var overlap: Int
    /// Extra context read around every core; nil = the network's receptive radius (tiled output
    /// then equals the untiled output up to floating-point summation order).
    public var context: Int?

    public init(tile: Int = 512, overlap: Int = 32, context: Int? = nil) {
        self.tile = tile
        self.overlap = overlap
        self.context = context
    }
}

/// Restores `image` (gray or RGB, any size ≥ 1×1) at full resolution.
///
/// 1. Gray images are replicated to RGB and the three outputs averaged back to one channel.
/// 2. The image is reflect-padded by the context margin on every side and to the network's
///    multiple, so every pixel — including the borders — sees mirrored image content rather than
///    the zeros of the convolutions' padding.
/// 3. If the padded core fits in one tile, the network runs once. Otherwise cores of `tile` px
///    overlapping by `overlap` px each run with `context` px of surrounding input and are blended
///    with separable raised-cosine weights. Memory is bounded by one tile's activations plus two
///    image-sized accumulators (a 4000×3000 photo stays well under 2 GB).
/// 4. The output is cropped back to the input's size. It is not clipped: a residual network can
///    overshoot [0, 1] slightly; writers and metrics say what they do with that.
public func restore(_ image: Image, with network: any DeblurNetwork, tiling: TilingOptions = TilingOptions()) throws -> Image {
    guard image.channels == 1 || image.channels == 3 else { throw ModelError.unsupportedChannels(image.channels) }
    guard image.width > 0, image.height > 0 else { throw ModelError.invalidTiling("the image is empty") }
    guard tiling.tile > 0, tiling.overlap >= 0, (tiling.context ?? 0) >= 0 else {
        throw ModelError.invalidTiling("tile must be > 0, overlap and context ≥ 0 (got \(tiling.tile), \(tiling.overlap), \(tiling.context ?? 0))")
    }
    let rgb = image.channels == 1 ? Image.stacking([image, image, image]) : image
    let m = network.sizeMultiple
    func up(_ v: Int) -> Int { (v + m - 1) / m * m }
    let margin = up(tiling.context ?? network.receptiveRadius)
    let coreH = up(image.height), coreW = up(image.width)
    let padded = rgb.padded(top: margin, bottom: margin + coreH - image.height,
                            left: margin, right: margin + coreW - image.width, mode: .reflect)
    let tile = up(tiling.tile)
    var out: Image
    if coreH <= tile && coreW <= tile {
        let y = network(Variable(Tensor(image: padded))).value.image(at: 0)
        out = try y.cropped(x: margin, y: margin, width: image.width, height: image.height)
    } else {
        let overlap = min(up(tiling.overlap), tile - m)
        let ys = tileStarts(length: coreH, tile: tile, overlap: overlap, multiple: m)
        let xs = tileStarts(length: coreW, tile: tile, overlap: overlap, multiple: m)
        var acc = Image(channels: 3, height: coreH, width: coreW)
        var weight = [Float](repeating: 0, count: coreH * coreW)
        for (yi, y0) in ys.enumerated() {
            let th = min(tile, coreH - y0)
            let wy = ramp(length: th, overlap: overlap, rampStart: yi > 0, rampEnd: yi < ys.count - 1)
            for (xi, x0) in xs.enumerated() {
                let tw = min(tile, coreW - x0)
                let wx = ramp(length: tw, overlap: overlap, rampStart: xi > 0, rampEnd: xi < xs.count - 1)
                let input = try padded.cropped(x: x0, y: y0, width: tw + 2 * margin, height: th + 2 * margin)
                let result = network(Variable(Tensor(image: input))).value.image(at: 0)
                let rh = result.height, rw = result.width
                for c in 0 ..< 3 {
                    for r in 0 ..< th {
                        let src = (c * rh + r + margin) * rw + margin
                        let dst = (c * coreH + y0 + r) * coreW + x0
                        for col in 0 ..< tw { acc.pixels[dst + col] += wy[r] * wx[col] * result.pixels[src + col] }
                    }
                }
                for r in 0 ..< th {
                    let dst = (y0 + r) * coreW + x0
                    for col in 0 ..< tw { weight[dst + col] += wy[r] * wx[col] }
                }
            }
        }
        for c in 0 ..< 3 {
            for i in 0 ..< coreH * coreW { acc.pixels[c * coreH * coreW + i] /= weight[i] }
        }
        out = try acc.cropped(x: 0, y: 0, width: image.width, height: image.height)
    }
    if image.channels == 1 {
        var gray = Image(channels: 1, height: out.height, width: out.width)
        let n = out.planeSize
        for i in 0 ..< n { gray.pixels[i] = (out.pixels[i] + out.pixels[n + i] + out.pixels[2 * n + i]) / 3 }
        return gray
    }
    return out
}

/// Tile origins (multiples of `multiple`) covering `0..<length` with cores of `tile` overlapping by `overlap`.
func tileStarts(length: Int, tile: Int, overlap: Int, multiple: Int) -> [Int] {
    guard length > tile else { return [0] }
    var starts = [0]
    let step = max(tile - overlap, multiple)
    while starts.last! + tile < length {
        starts.append(min(starts.last! + step, length - tile))
    }
    return starts
}

/// Blend weights along one side of a core: a raised-cosine rise over the first `overlap` samples
/// (if a neighbour precedes) and fall over the last ones (if one follows), 1 elsewhere. Weights
/// are strictly positive so every pixel's total weight is too.
func ramp(length: Int, overlap: Int, rampStart: Bool, rampEnd: Bool) -> [Float] {
    var w = [Float](repeating: 1, count: length)
    guard overlap > 0 else { return w }
    for i in 0 ..< min(overlap, length) {
        let v = Float(0.5 - 0.5 * cos(Double.pi * (Double(i) + 0.5) / Double(overlap)))
        if rampStart { w[i] = min(w[i], v) }
        if rampEnd { w[length - 1 - i] = min(w[length - 1 - i], v) }
    }
    return w
}
