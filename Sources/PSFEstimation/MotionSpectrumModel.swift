import Foundation
import ImageCore

/// The power spectrum (3×3 box-smoothed, over the band where the signal beats the noise) and
/// the mean Huber log error of the linear-motion model `A f^{−α} sinc²(L f·u) + N` against it,
/// with one amplitude A or (`anisotropic`) one per 15° orientation sector.
struct MotionSpectrumModel {
    var fx: [Double] = [], fy: [Double] = [], f: [Double] = [], logPower: [Double] = []
    var fit: EnvelopeFit
    /// Orientation sector of every frequency (`orientationSectors` sectors of [0°, 180°)).
    var sector: [Int] = []
    let noisePower: Double
    /// The spectrum's size, for the smoothed model's frequency steps.
    let width: Double, height: Double

    init(_ spectrum: LogSpectrum) {
        noisePower = spectrum.noisePower
        width = Double(spectrum.width)
        height = Double(spectrum.height)
        let h = spectrum.height, w = spectrum.width, cw = spectrum.complexWidth
        let band = spectrum.signalBandLimit(factor: 2)
        let minimum = 3 / Double(min(h, w))
        // 3×3 box-smoothed log power on the whole half spectrum.
        var smoothedLog = [Double](repeating: 0, count: h * cw)
        for q in 0 ..< h {
            for r in 0 ..< cw {
                var sum = 0.0, count = 0.0
                for dq in -1 ... 1 {
                    for dr in -1 ... 1 {
                        let rr = r + dr
                        guard rr >= 0, rr < cw else { continue }
                        sum += spectrum.power[((q + dq + h) % h) * cw + rr]
                        count += 1
                    }
                }
                smoothedLog[q * cw + r] = log(max(sum / count, 1e-30))
            }
        }
        for q in 0 ..< h {
            for r in 0 ..< cw {
                let radius = spectrum.radius(q, r)
                guard radius >= minimum, radius <= band else { continue }
                fx.append(Double(r) / Double(w))
                fy.append(Double(spectrum.signedRow(q)) / Double(h))
                var phi = atan2(fy[fy.count - 1], fx[fx.count - 1])
                if phi < 0 { phi += Double.pi }
                sector.append(min(Int(phi / Double.pi * Double(EnvelopeFit.orientationSectors)), EnvelopeFit.orientationSectors - 1))
                f.append(radius)
                logPower.append(smoothedLog[q * cw + r])
            }
        }
        fit = EnvelopeFit(frequencies: f, observedLogPower: logPower, noisePower: noisePower)
    }

    /// Pattern search on (L, θ) with shrinking steps (0.5 px / 2° down to 0.02 px / 0.05°; with
    /// `fine`, from 0.2 px / 0.8°).
    func refine(length: Double, angle: Double, maxLength: Double, anisotropic: Bool = false,
                smoothed: Bool = false, fine: Bool = false) -> (error: Double, length: Double, angle: Double) {
        func error(length: Double, angle: Double) -> Double {
            self.error(length: length, angle: angle, anisotropic: anisotropic, smoothed: smoothed)
        }
        var current = (error: error(length: length, angle: angle), length: length, angle: angle)
        let steps = [(0.5, 2.0), (0.2, 0.8), (0.1, 0.3), (0.05, 0.1), (0.02, 0.05)]
        for (dl, da) in fine ? Array(steps.dropFirst()) : steps {
            for _ in 0 ..< 6 {
                var next = current
                for sl in [-1.0, 0, 1] {
                    for sa in [-1.0, 0, 1] where sl != 0 || sa != 0 {
                        let l = current.length + sl * dl
                        guard l >= 1.5, l <= maxLength else { continue }
                        let a = current.angle + sa * da
                        let e = error(length: l, angle: a)
                        if e < next.error { next = (e, l, a) }
                    }
                }
                if next.length == current.length && next.angle == current.angle { break }
                current = next
            }
        }
        var a = current.angle.truncatingRemainder(dividingBy: 180)
        if a < 0 { a += 180 }
        if a >= 179.995 { a = 0 }
        return (current.error, current.length, a)
    }

    /// The model's error for a motion blur of `length` px at `angle`°; with `anisotropic`, the
    /// envelope's amplitude may differ by orientation sector (`EnvelopeFit.anisotropicError`).
    /// With `smoothed`, the model's sinc² is box-smoothed over the same 3×3 frequency neighbourhood
    /// as the observed power: smoothing widens the main lobe, and fitting an unsmoothed model to it
    /// makes lengths short (by 0.2–0.4 px at 30 px; 1 px on a strongly anisotropic photograph).
    func error(length: Double, angle: Double, anisotropic: Bool = false, smoothed: Bool = false) -> Double {
        let theta = angle * Double.pi / 180
        let c = cos(theta), s = sin(theta)
        // Kernel along (cos θ, −sin θ) in (column, row) coordinates; the smoothed model averages the
        // argument's nine shifts L·(a·cos θ / W − b·sin θ / H), a, b ∈ {−1, 0, 1}.
        let shifts: [Double] = smoothed
            ? [-1.0, 0, 1].flatMap { a in [-1.0, 0, 1].map { b in length * (a * c / width - b * s / height) } }
            : [0]
        let transfer = [Double](unsafeUninitializedCapacity: f.count) { out, initialised in
            fx.withUnsafeBufferPointer { x in
                fy.withUnsafeBufferPointer { y in
                    for i in 0 ..< x.count {
                        let z = length * (x[i] * c - y[i] * s)
                        var sum = 0.0
                        for d in shifts {
                            let v = sinc(z + d)
                            sum += v * v
                        }
                        out[i] = sum / Double(shifts.count)
                    }
                }
            }
            initialised = f.count
        }
        return anisotropic ? fit.anisotropicError(transfer: transfer, sector: sector) : fit.error(transfer: transfer)
    }

}

/// ‖∇x‖₁ / ‖∇x‖₂ of an image's forward differences (Krishnan et al. 2011): lower is sparser, i.e.
/// sharper with less ringing. The border band of 8 px is left out (deconvolution edge effects).
func normalisedSparsity(_ image: Image) -> Double {
    let h = image.height, w = image.width, p = image.pixels
    var l1 = 0.0, l2 = 0.0
    for y in 8 ..< max(8, h - 9) {
        for x in 8 ..< max(8, w - 9) {
            let v = Double(p[y * w + x])
            let dx = Double(p[y * w + x + 1]) - v, dy = Double(p[(y + 1) * w + x]) - v
            l1 += abs(dx) + abs(dy)
            l2 += dx * dx + dy * dy
        }
    }
    return l2 > 0 ? l1 / l2.squareRoot() : .infinity
}
