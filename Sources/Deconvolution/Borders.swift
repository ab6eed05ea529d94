import Blur
import ImageCore
import Spectral

/// How a deconvolution treats the image border. FFT-based methods assume the blur is circular;
/// a real photo's blur is not, and the mismatch rings from the borders inwards.
public enum BorderHandling: String, Sendable, CaseIterable, Codable {
    /// Blend the border with a blurred copy using the PSF's autocorrelation (MATLAB `edgetaper`),
    /// so the image is nearly periodic, then deconvolve at the image's own size.
    case taper
    /// Pad with a mirror image (half-sample symmetric) of twice the PSF's size on every side, up
    /// to a fast FFT size, and taper the padded image's own edges (so the FFT domain wraps
    /// smoothly too); deconvolve; crop. The default: the most accurate here (on `astronaut` with
    /// `motion:15,30`, Wiener gained 0.25 dB from the wider pad and taper over a PSF-sized pad).
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
    /// The edge taper's weights on this domain (`taper` and `reflect`), made once for all channels.
    let taper: TaperWeights?

    init(imageHeight: Int, imageWidth: Int, psf: PSF, border: BorderHandling) {
        self.border = border
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        switch border {
        case .none, .taper:
            (height, width, top, left) = (imageHeight, imageWidth, 0, 0)
        case .reflect:
            let pad = 2 * max(psf.height, psf.width)
            (height, width, top, left) = (fastFFTSize(imageHeight + 2 * pad), fastFFTSize(imageWidth + 2 * pad), pad, pad)
        case .zero:
            (height, width, top, left) = (fastFFTSize(imageHeight + psf.height - 1), fastFFTSize(imageWidth + psf.width - 1),
                                          psf.height / 2, psf.width / 2)
        }
        taper = border == .taper || border == .reflect ? TaperWeights(psf: psf, height: height, width: width) : nil
    }

    var count: Int { height * width }

    /// The observed plane placed on the domain according to the border handling; `blur` is the
    /// operator on this domain (the taper's circular blur reuses its OTF).
    func embed(_ channel: ChannelPlane, psf: PSF, blur: CirculantBlur) throws -> RealBuffer {
        let buffer = RealBuffer(count: count, zeroed: false)
        channel.source.pixels.withUnsafeBufferPointer { p in
            let plane = p.baseAddress! + channel.channel * channel.source.planeSize
            switch border {
            case .none, .taper:
                buffer.pointer.update(from: plane, count: count)
            case .reflect, .zero:
                padPlane(plane, height: imageHeight, width: imageWidth, into: buffer.pointer, height: height, width: width,
                         top: top, left: left, mode: border == .zero ? .zero : .reflect)
            }
        }
        // Taper the image (`taper`), or the mirror-padded image's own edges so the domain wraps
        // smoothly too (`reflect`).
        if let taper { taperInPlace(buffer, weights: taper, blur: blur) }
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

    /// Copies the image part of a domain buffer to `destination` (imageHeight × imageWidth values).
    func extract(_ buffer: RealBuffer, into destination: UnsafeMutablePointer<Float>) {
        for y in 0 ..< imageHeight {
            (destination + y * imageWidth).initialize(from: buffer.pointer + (top + y) * width + left, count: imageWidth)
        }
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
    let blur = try CirculantBlur(psf: psf, height: image.height, width: image.width)
    let weights = TaperWeights(psf: psf, height: image.height, width: image.width)
    let buffer = RealBuffer(count: image.planeSize, zeroed: false)
    var out = image
    out.pixels.withUnsafeMutableBufferPointer { o in
        for c in 0 ..< image.channels {
            let plane = o.baseAddress! + c * image.planeSize
            buffer.pointer.update(from: plane, count: image.planeSize)
            taperInPlace(buffer, weights: weights, blur: blur)
            plane.update(from: buffer.pointer, count: image.planeSize)
        }
    }
    return out
}

/// The edge taper's blending weights α = (1 − β_rows)(1 − β_cols)ᵀ for a `height × width` plane,
/// kept as the two factors.
struct TaperWeights {
    let rows: [Float], cols: [Float]

    init(psf: PSF, height: Int, width: Int) {
        func alpha(_ projection: [Double], length n: Int) -> [Float] {
            // 1 − β: β the circular autocorrelation of the projection over n − 1 samples, max 1.
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
            var beta = z.map { $0 / peak }
            beta.append(beta[0])
            return beta.prefix(n).map { Float(1 - $0) }
        }
        var rowProjection = [Double](repeating: 0, count: psf.height)
        var colProjection = [Double](repeating: 0, count: psf.width)
        for y in 0 ..< psf.height {
            for x in 0 ..< psf.width {
                rowProjection[y] += Double(psf.weights[0, y, x])
                colProjection[x] += Double(psf.weights[0, y, x])
            }
        }
        rows = alpha(rowProjection, length: height)
        cols = alpha(colProjection, length: width)
    }
}

/// `edgeTaper` of one plane in place: `J = α·I + (1 − α)·(h ⊛ I)`; `blur` is the circulant blur of
/// the plane's size and `weights` its α.
func taperInPlace(_ buffer: RealBuffer, weights: TaperWeights, blur: CirculantBlur) {
    let height = weights.rows.count, width = weights.cols.count
    let blurred = RealBuffer(count: height * width, zeroed: false)
    blur.apply(buffer, into: blurred)
    let o = buffer.pointer, b = blurred.pointer
    weights.rows.withUnsafeBufferPointer { ar in weights.cols.withUnsafeBufferPointer { ac in
        parallelRanges(height, minimumChunk: max(1, (1 << 16) / width)) { rows in
            for y in rows {
                let ay = ar[y], row = y &* width
                for x in 0 ..< width {
                    let a = ay * ac[x], i = row &+ x
                    o[i] = a * o[i] + (1 - a) * b[i]
                }
            }
        }
    } }
}
