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
    }

    var count: Int { height * width }

    /// The observed plane placed on the domain according to the border handling; `blur` is the
    /// operator on this domain (the taper's circular blur reuses its OTF).
    func embed(_ channel: ChannelPlane, psf: PSF, blur: CirculantBlur) throws -> RealBuffer {
        if border == .none {
            let buffer = RealBuffer(count: count, zeroed: false)
            channel.copy(into: buffer.pointer)
            return buffer
        }
        let plane = channel.image()
        let placed: Image
        switch border {
        case .none: placed = plane
        case .taper: placed = try edgeTaper(plane, psf: psf, blur: blur)
        case .reflect:
            // Mirror-pad, then taper the padded image's own edges so the domain wraps smoothly too.
            placed = try edgeTaper(plane.padded(top: top, bottom: height - imageHeight - top, left: left,
                                                right: width - imageWidth - left, mode: .reflect), psf: psf, blur: blur)
        case .zero:
            placed = plane.padded(top: top, bottom: height - imageHeight - top, left: left, right: width - imageWidth - left, mode: .zero)
        }
        let buffer = RealBuffer(count: count, zeroed: false)
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
    try edgeTaper(image, psf: psf, blur: nil)
}

/// `edgeTaper` with an optional precomputed circulant blur of the image's size.
func edgeTaper(_ image: Image, psf: PSF, blur: CirculantBlur?) throws -> Image {
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
    let blurred: Image
    if let blur, image.channels == 1, blur.fft.height == image.height, blur.fft.width == image.width {
        let buffer = RealBuffer(count: image.planeSize)
        image.pixels.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: image.planeSize) }
        blur.apply(buffer, into: buffer)
        blurred = Image(channels: 1, height: image.height, width: image.width,
                        pixels: [Float](unsafeUninitializedCapacity: image.planeSize) { dst, initialised in
                            dst.baseAddress!.update(from: buffer.pointer, count: image.planeSize)
                            initialised = image.planeSize
                        })
    } else {
        blurred = try convolve(image, kernel: psf.weights, boundary: .periodic)
    }
    var out = image
    let n = image.planeSize, w = image.width
    let alphaCols = betaCols.map { Float(1 - $0) }
    out.pixels.withUnsafeMutableBufferPointer { o in
        blurred.pixels.withUnsafeBufferPointer { b in
            for c in 0 ..< image.channels {
                for y in 0 ..< image.height {
                    let ay = Float(1 - betaRows[y]), row = c &* n &+ y &* w
                    for x in 0 ..< w {
                        let alpha = ay * alphaCols[x], i = row &+ x
                        o[i] = alpha * o[i] + (1 - alpha) * b[i]
                    }
                }
            }
        }
    }
    return out
}
