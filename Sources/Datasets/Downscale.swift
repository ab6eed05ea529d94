import ImageCore

/// The smallest integer factor `k` with `max(width, height) / k ≤ maxSide` (floor division, as
/// `downscaleByAveraging` crops the remainder): `⌈max(width, height) / maxSide⌉`, and 1 when the image
/// already fits.
public func integerDownscaleFactor(width: Int, height: Int, maxSide: Int = 1024) -> Int {
    precondition(maxSide > 0, "maxSide must be positive, got \(maxSide)")
    let long = max(width, height)
    return max(1, (long + maxSide - 1) / maxSide)
}

/// Downscales by an integer factor with area averaging (a box filter whose support is exactly one
/// output pixel, i.e. every input pixel contributes to one output pixel with weight 1/k²).
///
/// Model: `out[c, y, x] = (1/k²) Σ_{i,j < k} in[c, y0 + k·y + i, x0 + k·x + j]`. When the size is not a
/// multiple of `k`, the remainder `width mod k` (`height mod k`) is cropped evenly from both sides
/// (`x0 = (width mod k) / 2`, the odd pixel on the right/bottom), so no output pixel mixes in padding
/// and the image is not shifted by more than half an input pixel.
///
/// Why: a photograph averaged over k×k blocks loses most of its own optical blur, sensor noise and
/// JPEG blocking (all scale with the input pixel), which is what a sharp reference needs. Sums run in
/// Double, so a constant block returns its value exactly and the result is the block mean to Float
/// precision; written as 8-bit PNG, a block mean exactly halfway between two levels may round either way.
/// - Parameters:
///   - image: any channel count.
///   - factor: `k ≥ 1`; 1 returns the image unchanged.
/// - Throws: `DatasetError.invalidDownscaleFactor` when `k < 1` or the image is smaller than k×k.
public func downscaleByAveraging(_ image: Image, factor k: Int) throws -> Image {
    guard k >= 1, image.width >= k, image.height >= k else {
        throw DatasetError.invalidDownscaleFactor(factor: k, width: image.width, height: image.height)
    }
    if k == 1 { return image }
    let outW = image.width / k, outH = image.height / k
    let x0 = (image.width % k) / 2, y0 = (image.height % k) / 2
    var out = Image(channels: image.channels, height: outH, width: outW)
    var rowSums = [Double](repeating: 0, count: outW)   // scratch: one output row's block sums
    let count = Double(k * k)
    image.pixels.withUnsafeBufferPointer { src in
        out.pixels.withUnsafeMutableBufferPointer { dst in
            for c in 0 ..< image.channels {
                let plane = c * image.planeSize
                for oy in 0 ..< outH {
                    for i in rowSums.indices { rowSums[i] = 0 }
                    for dy in 0 ..< k {
                        let row = plane + (y0 + oy * k + dy) * image.width + x0
                        for ox in 0 ..< outW {
                            var s = 0.0
                            let base = row + ox * k
                            for dx in 0 ..< k { s += Double(src[base + dx]) }
                            rowSums[ox] += s
                        }
                    }
                    let o = c * outH * outW + oy * outW
                    for ox in 0 ..< outW { dst[o + ox] = Float(rowSums[ox] / count) }
                }
            }
        }
    }
    return out
}
