import ImageCore

/// Direct (spatial) convolution with the same convention and result as `convolve`:
/// g[y, x] = Σ_i Σ_j k[i, j] · f̃(y + ⌊kh/2⌋ − i, x + ⌊kw/2⌋ − j), f̃ extended by `boundary`.
///
/// O(H·W·kh·kw): the right tool for small kernels (3×3 to about 7×7, e.g. finite differences)
/// and the reference that `deblur bench fft` races the FFT against. Float accumulation.
/// Schedule: the image is padded once; rows of all channels are split into `parallelFor` chunks
/// (the one level of parallelism); each output row accumulates kernel-row × kernel-column
/// shifted copies of a padded row, an inner loop over contiguous x that the compiler vectorises.
/// - Throws: `SpectralError.kernelChannels`, `SpectralError.nonFinite`.
public func directConvolve(_ image: Image, _ kernel: Image, boundary: BoundaryMode) throws -> Image {
    try checkKernel(kernel)
    let kh = kernel.height, kw = kernel.width
    let padTop = kh - 1 - kh / 2, padLeft = kw - 1 - kw / 2
    let padded = image.padded(top: padTop, bottom: kh / 2, left: padLeft, right: kw / 2, mode: boundary)
    let h = image.height, w = image.width, channels = image.channels
    let ph = padded.height, pw = padded.width
    var out = Image(channels: channels, height: h, width: w)
    let rows = channels * h
    let chunks = min(rows, workerThreadCount * 4)
    padded.pixels.withUnsafeBufferPointer { src in
        kernel.pixels.withUnsafeBufferPointer { k in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                // Each chunk writes only its own output rows.
                parallelFor(chunks) { chunk in
                    for row in (rows * chunk / chunks) ..< (rows * (chunk + 1) / chunks) {
                        let c = row / h, y = row % h
                        let outRow = dst.baseAddress! + row * w
                        for i in 0 ..< kh {
                            // Padded row y + kh − 1 − i holds f̃(y + ⌊kh/2⌋ − i).
                            let inRow = src.baseAddress! + (c * ph + y + kh - 1 - i) * pw
                            for j in 0 ..< kw {
                                let weight = k[i &* kw &+ j]
                                let shifted = inRow + (kw - 1 - j)
                                for x in 0 ..< w { outRow[x] += weight * shifted[x] }
                            }
                        }
                    }
                }
            }
        }
    }
    return out
}
