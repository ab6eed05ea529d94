import Foundation
import ImageCore

/// The log-magnitude spectrum the parametric estimators analyse (`estimatePSF` with `.motion`,
/// `.defocus`, `.gaussian`), as an image for people to look at: the central square of the image's luma
/// (≤ `spectralAnalysisSide` px), its periodic component (Moisan; no cross from the borders),
/// `log |P̂|` over the full spectrum with zero frequency at the centre (row side/2, column side/2),
/// smoothed over 3 × 3 frequencies so the blur's zeros read as dark lines rather than speckle.
/// A motion blur of length L along the unit vector d (image axes, rows down) puts zeros on the lines
/// `f · d = k / L`, k ≠ 0; a disk of radius R on rings near f ≈ 0.61 k / R.
/// - Throws: `PSFEstimationError` for non-finite, tiny (< 32 px) or flat images.
public func logSpectrumPicture(_ image: Image) throws -> Image {
    let plane = centralSquare(try validatedGray(image, minimumSide: minimumParametricSide), maxSide: spectralAnalysisSide)
    let spectrum = LogSpectrum(plane)
    let n = plane.height, cw = spectrum.complexWidth
    var full = [Float](repeating: 0, count: n * n)
    for q in 0 ..< n {
        for r in 0 ..< n {
            // Conjugate symmetry for the columns the half spectrum omits.
            let (qq, rr) = r < cw ? (q, r) : ((n - q) % n, n - r)
            full[((q + n / 2) % n) * n + (r + n / 2) % n] = Float(spectrum.logMagnitude[qq * cw + rr])
        }
    }
    var smoothed = full
    for y in 0 ..< n {
        for x in 0 ..< n {
            var sum: Float = 0, count: Float = 0
            for dy in -1 ... 1 where (0 ..< n).contains(y + dy) {
                for dx in -1 ... 1 where (0 ..< n).contains(x + dx) { sum += full[(y + dy) * n + x + dx]; count += 1 }
            }
            smoothed[y * n + x] = sum / count
        }
    }
    return Image(channels: 1, height: n, width: n, pixels: smoothed)
}

/// The real cepstrum `F⁻¹[log |P̂|]` of the same periodic component as `logSpectrumPicture`, its
/// central (2·`radius` + 1)² pixels with the origin in the middle (row and column `radius`). A straight
/// motion of length L along d puts negative peaks (dark) near ±L·d, a disk of radius R a dark ring near
/// 2R — the features the motion and defocus estimators look for. The origin's own large value is
/// replaced by its neighbours' mean so the picture's range shows the rest.
/// - Throws: `PSFEstimationError` for non-finite, tiny (< 32 px) or flat images.
public func cepstrumPicture(_ image: Image, radius: Int = 40) throws -> Image {
    let plane = centralSquare(try validatedGray(image, minimumSide: minimumParametricSide), maxSide: spectralAnalysisSide)
    let spectrum = LogSpectrum(plane)
    let c = spectrum.cepstrum()
    let n = plane.height, r = min(radius, n / 2 - 1), side = 2 * r + 1
    var out = Image(channels: 1, height: side, width: side)
    for y in -r ... r {
        for x in -r ... r {
            out.pixels[(y + r) * side + x + r] = Float(c[((y + n) % n) * n + (x + n) % n])
        }
    }
    let centre = r * side + r
    out.pixels[centre] = (out.pixels[centre - 1] + out.pixels[centre + 1] + out.pixels[centre - side] + out.pixels[centre + side]) / 4
    return out
}
