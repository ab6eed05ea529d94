import Blur
import ImageCore
import Spectral

/// How a deconvolution treats the image border. FFT-based methods assume the blur is circular;
/// a real photo's blur is not, and the mismatch rings from the borders inwards.
public enum BorderHandling: String, Sendable, CaseIterable, Codable {
    /// Blend the border with a blurred copy using the PSF's autocorrelation (MATLAB `edgetaper`),
    /// so the image is nearly periodic, then deconvolve at the image's own size.
    case taper
    /// Pad with a mirror image (half-sample symmetric) of the PSF's size on every side, up to a
    /// fast FFT size; deconvolve the padded image; crop. The default: the most accurate here.
    case reflect
    /// Treat the image as periodic (circulant blur) — kept to show why borders matter.
    case none
    /// Zero outside the image, unobserved: the operator is `crop(h ∗ zero-padded x)`. This is
    /// scikit-image's `richardson_lucy` convention (scipy `convolve(mode="same")`).
    case zero
}

/// The periodic grid a deconvolution actually runs on, and how the image sits in it.
struct WorkingDomain {
    let border: BorderHandling
    let imageHeight: Int, imageWidth: Int
    let height: Int, width: Int
    let top: Int, left: Int

    init(imageHeight: Int, imageWidth: Int, psf: PSF, border: BorderHandling) {
        self.border = border
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        switch border {
        case .none, .taper:
            (height, width, top, left) = (imageHeight, imageWidth, 0, 0)
        case .reflect:
            let pad = max(psf.height, psf.width)
            (height, width, top, left) = (fastFFTSize(imageHeight + 2 * pad), fastFFTSize(imageWidth + 2 * pad), pad, pad)
        case .zero:
            (height, width, top, left) = (fastFFTSize(imageHeight + psf.height - 1), fastFFTSize(imageWidth + psf.width - 1),
                                          psf.height / 2, psf.width / 2)
        }
    }

    var count: Int { height * width }

    /// The observed plane placed on the domain according to the border handling.
    func embed(_ plane: Image, psf: PSF) throws -> RealBuffer {
        let placed: Image
        switch border {
        case .none: placed = plane
        case .taper: placed = try edgeTaper(plane, psf: psf)
        case .reflect:
            placed = plane.padded(top: top, bottom: height - imageHeight - top, left: left, right: width - imageWidth - left, mode: .reflect)
        case .zero:
            placed = plane.padded(top: top, bottom: height - imageHeight - top, left: left, right: width - imageWidth - left, mode: .zero)
        }
        let buffer = RealBuffer(count: count)
        placed.pixels.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: count) }
        return buffer
    }

    /// 1 on the image, 0 elsewhere — only for `.zero`, where the outside is unobserved.
    func regionMask() -> RealBuffer? {
        guard border == .zero else { return nil }
        let mask = RealBuffer(count: count)
        for y in top ..< top + imageHeight {
            for x in left ..< left + imageWidth { mask.pointer[y * width + x] = 1 }
        }
        return mask
    }

    /// The image part of a domain buffer.
    func extract(_ buffer: RealBuffer) -> Image {
        var out = Image(channels: 1, height: imageHeight, width: imageWidth)
        for y in 0 ..< imageHeight {
            let src = (top + y) * width + left
            for x in 0 ..< imageWidth { out.pixels[y * imageWidth + x] = buffer.pointer[src + x] }
        }
        return out
    }
}

/// MATLAB `edgetaper(I, PSF)`: `J = α·I + (1 − α)·(h ⊛ I)` where `⊛` is circular convolution and
/// `α = (1 − β_rows)(1 − β_cols)ᵀ`, with β the normalised circular autocorrelation of the PSF's
/// projection on each axis (length N − 1, then its first value repeated). At the borders α = 0
/// and J is the circularly blurred image, which wraps smoothly; inside, J = I.
/// - Throws: `DeconvolutionError.psfLargerThanImage`.
public func edgeTaper(_ image: Image, psf: PSF) throws -> Image {
    guard psf.height <= image.height, psf.width <= image.width else {
        throw DeconvolutionError.psfLargerThanImage(psfWidth: psf.width, psfHeight: psf.height, width: image.width, height: image.height)
    }
    func beta(_ projection: [Double], length n: Int) -> [Double] {
        // Circular autocorrelation of the projection over n − 1 samples, normalised to max 1.
        let m = max(1, n - 1)
        var z = [Double](repeating: 0, count: m)
        for lag in 0 ..< m {
            var acc = 0.0
            for i in 0 ..< projection.count {
                let j = (i + lag) % m
                if j < projection.count { acc += projection[i] * projection[j] }
            }
            z[lag] = acc
        }
        let peak = z.max() ?? 1
        var out = z.map { $0 / peak }
        out.append(out[0])
        return Array(out.prefix(n))
    }
    var rowProjection = [Double](repeating: 0, count: psf.height)
    var colProjection = [Double](repeating: 0, count: psf.width)
    for y in 0 ..< psf.height {
        for x in 0 ..< psf.width {
            rowProjection[y] += Double(psf.weights[0, y, x])
            colProjection[x] += Double(psf.weights[0, y, x])
        }
    }
    let betaRows = beta(rowProjection, length: image.height), betaCols = beta(colProjection, length: image.width)
    let blurred = try convolve(image, kernel: psf.weights, boundary: .periodic)
    var out = image
    let n = image.planeSize
    for c in 0 ..< image.channels {
        for y in 0 ..< image.height {
            let ay = 1 - betaRows[y]
            for x in 0 ..< image.width {
                let alpha = Float(ay * (1 - betaCols[x]))
                let i = c * n + y * image.width + x
                out.pixels[i] = alpha * image.pixels[i] + (1 - alpha) * blurred.pixels[i]
            }
        }
    }
    return out
}
