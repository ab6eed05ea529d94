#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import ImageCore

// Naive twins of the optimised kernels: plain loops, Double accumulation, no FFT.

/// g[y, x] = Σ_i Σ_j k[i, j] · f̃(y + ⌊kh/2⌋ − i, x + ⌊kw/2⌋ − j), per channel.
func naiveConvolve(_ image: Image, _ kernel: Image, boundary: BoundaryMode) -> Image {
    let kh = kernel.height, kw = kernel.width, ci = kh / 2, cj = kw / 2
    var out = Image(channels: image.channels, height: image.height, width: image.width)
    for c in 0 ..< image.channels {
        for y in 0 ..< image.height {
            for x in 0 ..< image.width {
                var acc = 0.0
                for i in 0 ..< kh {
                    guard let sy = boundary.sourceIndex(y + ci - i, count: image.height) else { continue }
                    for j in 0 ..< kw {
                        guard let sx = boundary.sourceIndex(x + cj - j, count: image.width) else { continue }
                        acc += Double(kernel[0, i, j]) * Double(image[c, sy, sx])
                    }
                }
                out[c, y, x] = Float(acc)
            }
        }
    }
    return out
}

/// MATLAB conv2(f, k, 'valid'): g[y, x] = Σ k[i, j] · f(y + kh − 1 − i, x + kw − 1 − j).
func naiveValid(_ image: Image, _ kernel: Image) -> Image {
    let kh = kernel.height, kw = kernel.width
    let oh = image.height - kh + 1, ow = image.width - kw + 1
    var out = Image(channels: image.channels, height: oh, width: ow)
    for c in 0 ..< image.channels {
        for y in 0 ..< oh {
            for x in 0 ..< ow {
                var acc = 0.0
                for i in 0 ..< kh {
                    for j in 0 ..< kw {
                        acc += Double(kernel[0, i, j]) * Double(image[c, y + kh - 1 - i, x + kw - 1 - j])
                    }
                }
                out[c, y, x] = Float(acc)
            }
        }
    }
    return out
}

/// X[u, v] = Σ x[y, x] exp(−2πi(u y / H + v x / W)) for v in 0 ... W/2, in Double.
func naiveDFT(_ plane: Image) -> [(re: Double, im: Double)] {
    let h = plane.height, w = plane.width, cw = w / 2 + 1
    var out = [(re: Double, im: Double)]()
    for u in 0 ..< h {
        for v in 0 ..< cw {
            var re = 0.0, im = 0.0
            for y in 0 ..< h {
                for x in 0 ..< w {
                    let phase = -2 * Double.pi * (Double(u * y) / Double(h) + Double(v * x) / Double(w))
                    re += Double(plane[0, y, x]) * cos(phase)
                    im += Double(plane[0, y, x]) * sin(phase)
                }
            }
            out.append((re, im))
        }
    }
    return out
}

func randomImage(channels: Int, height: Int, width: Int, seed: UInt64) -> Image {
    var rng = SeededRNG(seed: seed)
    var img = Image(channels: channels, height: height, width: width)
    for i in img.pixels.indices { img.pixels[i] = Float(rng.uniform()) }
    return img
}

func maxAbsDifference(_ a: Image, _ b: Image) -> Float {
    precondition(a.pixels.count == b.pixels.count)
    var m: Float = 0
    for i in a.pixels.indices { m = max(m, abs(a.pixels[i] - b.pixels[i])) }
    return m
}

func innerProduct(_ a: Image, _ b: Image) -> Double {
    var s = 0.0
    for i in a.pixels.indices { s += Double(a.pixels[i]) * Double(b.pixels[i]) }
    return s
}
