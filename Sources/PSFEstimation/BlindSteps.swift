import Blur
import Foundation
import ImageCore
import Spectral

/// Forward differences with wrap-around: `gx(p) = v(p + x̂) − v(p)`, `gy(p) = v(p + ŷ) − v(p)`.
func forwardGradients(_ v: [Float], height h: Int, width w: Int) -> (gx: [Float], gy: [Float]) {
    var gx = [Float](repeating: 0, count: h * w), gy = [Float](repeating: 0, count: h * w)
    v.withUnsafeBufferPointer { s in
        for y in 0 ..< h {
            let row = y * w, down = ((y + 1) % h) * w
            for x in 0 ..< w {
                let right = x + 1 == w ? 0 : x + 1
                gx[row + x] = s[row + right] - s[row + x]
                gy[row + x] = s[down + x] - s[row + x]
            }
        }
    }
    return (gx, gy)
}

/// `min_x ‖k ∗ x − y‖² + λ‖∇x‖₀` by half-quadratic splitting (Xu et al. 2011 "L0 smoothing"
/// with a blur term; Pan et al. 2014's `L0Restoration`): β from 2λ, doubling, up to 10⁵.
///
/// `bounded`: after each step the latent is clamped to the blurred image's range. A blurred
/// pixel is a weighted mean of sharp ones, so the sharp image spans at least that range; the
/// clamp costs the true latent little (its highlights beyond the range are thin) and removes
/// the high-amplitude stripes with which a wrong kernel's latent explains a periodic texture
/// (on `brick`, a vertically spread kernel plus ±2-unit stripes beside every mortar joint).
func l0Restore(domain: SmoothDomain, kernel: Image, lambda: Double, bounded: Bool = false, intensityWeight: Double = 0) -> [Float] {
    let h = domain.height, w = domain.width, cw = w / 2 + 1
    let fft = RealFFT2D.plan(height: h, width: w)
    let otf = try! psfToOTF(kernel, height: h, width: w)   // the kernel fits: the domain is padded by its size
    let yBuffer = RealBuffer(count: h * w, zeroed: false)
    for i in 0 ..< h * w { yBuffer.pointer[i] = domain.values[i] }
    let yHat = ComplexBuffer(count: fft.spectrumCount)
    fft.forward(yBuffer, yHat)
    // conj(K)·Y, |K|², |Dx|² + |Dy|² on the half spectrum.
    var numerator1 = [Float](repeating: 0, count: 2 * fft.spectrumCount)
    var kernelPower = [Float](repeating: 0, count: fft.spectrumCount)
    var gradientPower = [Float](repeating: 0, count: fft.spectrumCount)
    for q in 0 ..< h {
        let sy = sin(Double.pi * Double(q) / Double(h))
        for r in 0 ..< cw {
            let i = q * cw + r
            let kr = otf.floats[2 * i], ki = otf.floats[2 * i + 1]
            let yr = yHat.floats[2 * i], yi = yHat.floats[2 * i + 1]
            numerator1[2 * i] = kr * yr + ki * yi
            numerator1[2 * i + 1] = kr * yi - ki * yr
            kernelPower[i] = kr * kr + ki * ki
            let sx = sin(Double.pi * Double(r) / Double(w))
            gradientPower[i] = Float(4 * sx * sx + 4 * sy * sy)
        }
    }
    var s = domain.values
    let lower = domain.values.min() ?? 0, upper = domain.values.max() ?? 1
    let normin2 = RealBuffer(count: h * w, zeroed: false)
    let spectrum = ComplexBuffer(count: fft.spectrumCount, zeroed: false)
    let out = RealBuffer(count: h * w, zeroed: false)
    let intensity = RealBuffer(count: h * w, zeroed: true)
    let intensitySpectrum = ComplexBuffer(count: fft.spectrumCount, zeroed: true)
    let scale = 1 / Float(h * w)
    // With an intensity term (Pan et al. 2014's text prior σ‖x‖₀): a second splitting u ≈ x whose
    // weight ρ follows β (ρ = β·σ/λ, at most 2·10³ as in [Pan 2014]'s outer loop) — one joint
    // continuation instead of their nested loops (18 × 24 solves), with the same end points.
    var beta = 2 * lambda
    while beta < 1e5 {
        let rho = intensityWeight > 0 ? min(2e3, beta * intensityWeight / lambda) : 0
        if rho > 0 {
            let limit = Float(intensityWeight / rho)
            for i in 0 ..< h * w { intensity.pointer[i] = s[i] * s[i] < limit ? 0 : s[i] }
            fft.forward(intensity, intensitySpectrum)
        }
        var (gx, gy) = forwardGradients(s, height: h, width: w)
        let limit = Float(lambda / beta)
        for i in 0 ..< h * w where gx[i] * gx[i] + gy[i] * gy[i] < limit {
            gx[i] = 0
            gy[i] = 0
        }
        // Dxᵀgx + Dyᵀgy: (gx(p − x̂) − gx(p)) + (gy(p − ŷ) − gy(p)).
        for y in 0 ..< h {
            let row = y * w, up = ((y + h - 1) % h) * w
            for x in 0 ..< w {
                let leftIndex = x == 0 ? w - 1 : x - 1
                normin2.pointer[row + x] = gx[row + leftIndex] - gx[row + x] + gy[up + x] - gy[row + x]
            }
        }
        fft.forward(normin2, spectrum)
        let b = Float(beta), p = Float(rho)
        for i in 0 ..< fft.spectrumCount {
            let d = scale / (kernelPower[i] + p + b * gradientPower[i])
            spectrum.floats[2 * i] = (numerator1[2 * i] + p * intensitySpectrum.floats[2 * i] + b * spectrum.floats[2 * i]) * d
            spectrum.floats[2 * i + 1] = (numerator1[2 * i + 1] + p * intensitySpectrum.floats[2 * i + 1] + b * spectrum.floats[2 * i + 1]) * d
        }
        fft.inverseUnnormalized(destroying: spectrum, out)
        if bounded {
            for i in 0 ..< h * w { s[i] = min(upper, max(lower, out.pointer[i])) }
        } else {
            for i in 0 ..< h * w { s[i] = out.pointer[i] }
        }
        beta *= 2
    }
    return s
}

/// The kernel step: `min_k Σ_{p ∈ image} ((∇x ∗ k)(p) − ∇y(p))² + γ‖k‖²` over the previous
/// kernel's support size, by conjugate gradients on `(A + γI) k = b`, where `b` is the
/// cross-correlation of ∇y (masked to the image) with ∇x and `A` the autocorrelation of the
/// masked ∇x (the usual shift-invariant approximation of the masked normal matrix).
func solveKernel(domain: SmoothDomain, latent: [Float], previous: Image, gamma: Double) -> Image {
    let h = domain.height, w = domain.width
    let size = previous.width, half = size / 2
    let fft = RealFFT2D.plan(height: h, width: w)
    let (lx, ly) = forwardGradients(latent, height: h, width: w)
    let (bx, by) = forwardGradients(domain.values, height: h, width: w)
    let span = 2 * size - 1, center = size - 1
    var b = [Double](repeating: 0, count: size * size)
    var a = [Double](repeating: 0, count: span * span)
    let real = RealBuffer(count: h * w, zeroed: false)
    let latentHat = ComplexBuffer(count: fft.spectrumCount), maskedHat = ComplexBuffer(count: fft.spectrumCount)
    let blurredHat = ComplexBuffer(count: fft.spectrumCount)
    let out = RealBuffer(count: h * w, zeroed: false)
    for (gl, gb) in [(lx, bx), (ly, by)] {
        for i in 0 ..< h * w { real.pointer[i] = gl[i] }
        fft.forward(real, latentHat)
        for i in 0 ..< h * w { real.pointer[i] = gl[i] * domain.mask[i] }
        fft.forward(real, maskedHat)
        for i in 0 ..< h * w { real.pointer[i] = gb[i] * domain.mask[i] }
        fft.forward(real, blurredHat)
        // b(q) = Σ_p ∇x(p) ∇y_M(p + q) = F⁻¹[conj(X̂) Ŷ](q).
        let product = ComplexBuffer(count: fft.spectrumCount, zeroed: false)
        for i in 0 ..< fft.spectrumCount {
            let xr = latentHat.floats[2 * i], xi = latentHat.floats[2 * i + 1]
            let yr = blurredHat.floats[2 * i], yi = blurredHat.floats[2 * i + 1]
            product.floats[2 * i] = xr * yr + xi * yi
            product.floats[2 * i + 1] = xr * yi - xi * yr
        }
        fft.inverse(destroying: product, out)
        for qy in -half ... half {
            for qx in -half ... half {
                b[(qy + half) * size + qx + half] += Double(out.pointer[((qy + h) % h) * w + (qx + w) % w])
            }
        }
        for i in 0 ..< fft.spectrumCount {
            let xr = maskedHat.floats[2 * i], xi = maskedHat.floats[2 * i + 1]
            product.floats[2 * i] = xr * xr + xi * xi
            product.floats[2 * i + 1] = 0
        }
        fft.inverse(destroying: product, out)
        for dy in -(size - 1) ... size - 1 {
            for dx in -(size - 1) ... size - 1 {
                a[(dy + center) * span + dx + center] += Double(out.pointer[((dy + h) % h) * w + (dx + w) % w])
            }
        }
    }
    // (A k)(q) = Σ_q' A(q − q') k(q') + γ k(q).
    func apply(_ k: [Double]) -> [Double] {
        var result = [Double](repeating: 0, count: size * size)
        a.withUnsafeBufferPointer { ap in
            for qy in 0 ..< size {
                for qx in 0 ..< size {
                    var sum = gamma * k[qy * size + qx]
                    for py in 0 ..< size {
                        let rowA = (qy - py + center) * span + center + qx
                        let rowK = py * size
                        for px in 0 ..< size {
                            sum += ap[rowA - px] * k[rowK + px]
                        }
                    }
                    result[qy * size + qx] = sum
                }
            }
        }
        return result
    }
    var k = previous.pixels.map(Double.init)
    var r = zip(b, apply(k)).map { $0 - $1 }
    var p = r
    var rr = r.reduce(0) { $0 + $1 * $1 }
    let tolerance = 1e-10 * max(1e-300, b.reduce(0) { $0 + $1 * $1 })
    for _ in 0 ..< 20 where rr > tolerance {
        let ap = apply(p)
        let pap = zip(p, ap).reduce(0) { $0 + $1.0 * $1.1 }
        guard pap > 0 else { break }
        let alpha = rr / pap
        for i in k.indices { k[i] += alpha * p[i]; r[i] -= alpha * ap[i] }
        let rrNew = r.reduce(0) { $0 + $1 * $1 }
        for i in p.indices { p[i] = r[i] + rrNew / rr * p[i] }
        rr = rrNew
    }
    return Image(channels: 1, height: size, width: size, pixels: k.map { Float($0) })
}

/// Projection onto plausible kernels: negatives and weights below `threshold`·max to zero,
/// 8-connected components holding < 10 % of the mass dropped, normalised to sum 1, and shifted
/// (whole pixels) so the centroid sits on the centre pixel.
func cleanKernel(_ raw: Image, threshold: Float) -> Image {
    var k = raw
    let peak = k.pixels.max() ?? 0
    guard peak > 0 else {
        var delta = Image(channels: 1, height: raw.height, width: raw.width)
        delta[0, raw.height / 2, raw.width / 2] = 1
        return delta
    }
    for i in k.pixels.indices where k.pixels[i] < threshold * peak { k.pixels[i] = 0 }
    normalise(&k)
    // Connected components (8-neighbourhood).
    let h = k.height, w = k.width
    var label = [Int](repeating: -1, count: h * w)
    var stack: [Int] = []
    for start in 0 ..< h * w where k.pixels[start] > 0 && label[start] < 0 {
        var members: [Int] = []
        var mass: Float = 0
        label[start] = start
        stack.append(start)
        while let i = stack.popLast() {
            members.append(i)
            mass += k.pixels[i]
            let y = i / w, x = i % w
            for dy in -1 ... 1 {
                for dx in -1 ... 1 {
                    let ny = y + dy, nx = x + dx
                    guard ny >= 0, ny < h, nx >= 0, nx < w else { continue }
                    let j = ny * w + nx
                    if k.pixels[j] > 0 && label[j] < 0 { label[j] = start; stack.append(j) }
                }
            }
        }
        if mass < 0.1 { for i in members { k.pixels[i] = 0 } }
    }
    normalise(&k)
    return centred(k)
}

/// The kernel shifted by whole pixels so its centroid is on the centre pixel (mass pushed past
/// the edge is dropped and the rest renormalised).
func centred(_ kernel: Image) -> Image {
    let h = kernel.height, w = kernel.width
    var cy = 0.0, cx = 0.0, total = 0.0
    for y in 0 ..< h {
        for x in 0 ..< w {
            let v = Double(kernel[0, y, x])
            cy += v * Double(y); cx += v * Double(x); total += v
        }
    }
    guard total > 0 else { return kernel }
    let sy = Int((cy / total).rounded()) - h / 2, sx = Int((cx / total).rounded()) - w / 2
    if sy == 0 && sx == 0 { return kernel }
    var out = Image(channels: 1, height: h, width: w)
    for y in 0 ..< h {
        for x in 0 ..< w {
            let ny = y - sy, nx = x - sx
            if ny >= 0, ny < h, nx >= 0, nx < w { out[0, ny, nx] = kernel[0, y, x] }
        }
    }
    normalise(&out)
    return out
}

/// 1 − Σ_M (∇y − k ∗ ∇x)² / Σ_M (∇y)² at the current scale.
func explainedGradientEnergy(domain: SmoothDomain, latent: [Float], kernel: Image) -> Double {
    let h = domain.height, w = domain.width
    guard let blurred = try? convolve(Image(channels: 1, height: h, width: w, pixels: latent), kernel: kernel, boundary: .periodic) else { return 0 }
    let (ex, ey) = forwardGradients(blurred.pixels, height: h, width: w)
    let (bx, by) = forwardGradients(domain.values, height: h, width: w)
    var residual = 0.0, energy = 0.0
    for i in 0 ..< h * w where domain.mask[i] > 0 {
        let dx = Double(bx[i] - ex[i]), dy = Double(by[i] - ey[i])
        residual += dx * dx + dy * dy
        energy += Double(bx[i]) * Double(bx[i]) + Double(by[i]) * Double(by[i])
    }
    return energy > 0 ? 1 - residual / energy : 0
}
