import ImageCore

// FFT convolution, its adjoint and the valid-region variant, for images of any channel count.
//
// Convention (everywhere in the workbench): a kernel k of size kh × kw has its centre at
// (ci, cj) = (⌊kh/2⌋, ⌊kw/2⌋), and convolving image f gives
//     g[y, x] = Σ_i Σ_j k[i, j] · f̃(y + ci − i, x + cj − j)
// where f̃ is f extended beyond its borders by a `BoundaryMode`. This is MATLAB
// `imfilter(f, k, mode, 'conv')` and SciPy `ndimage.convolve(f, k, mode=…)` for odd kernels.
//
// Schedule: the (extended) channel is copied into an FFT-aligned plane of a fast size
// (products of 2, 3, 5, 7) large enough that the circular convolution never wraps into the
// pixels we keep, multiplied by `psfToOTF(kernel)` and transformed back. Parallelism is at one
// level only: channels run on `parallelFor` threads; each FFT is single-threaded FFTW.

/// Where the image sits in the FFT plane and which part of the circular result is kept.
struct ConvolutionLayout {
    var fftHeight: Int, fftWidth: Int
    /// Plane pixel (y, x) holds the extension of the image at (y − top, x − left).
    var top: Int, left: Int
    var mode: BoundaryMode
    /// Output pixel (y, x) is the circular result at (y + offsetY, x + offsetX).
    var offsetY: Int, offsetX: Int
    var outHeight: Int, outWidth: Int
    /// Rows and columns of the plane that the kept outputs depend on: 0 ..< support.
    var supportHeight: Int, supportWidth: Int

    /// Same-size output with boundary extension `mode`.
    static func same(height h: Int, width w: Int, kernelHeight kh: Int, kernelWidth kw: Int,
                     mode: BoundaryMode) -> ConvolutionLayout {
        if mode == .periodic, kh <= h, kw <= w, fastFFTSize(h) == h, fastFFTSize(w) == w {
            // Circular convolution at the image's own size: no padding needed.
            return ConvolutionLayout(fftHeight: h, fftWidth: w, top: 0, left: 0, mode: .periodic,
                                     offsetY: 0, offsetX: 0, outHeight: h, outWidth: w,
                                     supportHeight: h, supportWidth: w)
        }
        let top = kh - 1 - kh / 2, left = kw - 1 - kw / 2
        let shape = paddedFFTShape(imageHeight: h, imageWidth: w, kernelHeight: kh, kernelWidth: kw)
        return ConvolutionLayout(fftHeight: shape.height, fftWidth: shape.width, top: top, left: left,
                                 mode: mode, offsetY: top, offsetX: left, outHeight: h, outWidth: w,
                                 supportHeight: h + kh - 1, supportWidth: w + kw - 1)
    }

    /// Output of size (h − kh + 1) × (w − kw + 1): only pixels whose kernel footprint lies
    /// inside the image, so no boundary assumption at all.
    static func valid(height h: Int, width w: Int, kernelHeight kh: Int, kernelWidth kw: Int) -> ConvolutionLayout {
        ConvolutionLayout(fftHeight: fastFFTSize(h), fftWidth: fastFFTSize(w), top: 0, left: 0, mode: .zero,
                          offsetY: kh - 1 - kh / 2, offsetX: kw - 1 - kw / 2,
                          outHeight: h - kh + 1, outWidth: w - kw + 1, supportHeight: h, supportWidth: w)
    }
}

/// FFT convolution of every channel of `image` with `kernel`, same size as `image`.
///
/// Model: g = k ∗ f̃ with f̃ the extension of f by `boundary` (see `BoundaryMode`); the kernel
/// centre is (⌊kh/2⌋, ⌊kw/2⌋). `.periodic` is circular convolution at the image's own size (computed
/// directly when that size is fast, otherwise on a periodically extended fast-size grid — the same
/// values). Any kernel size is accepted for every mode. Multi-channel images are convolved per
/// channel in parallel (`parallelFor`), with single-threaded FFTW inside.
/// - Parameters:
///   - image: C × H × W image.
///   - kernel: one-channel kernel (a PSF's weights, or any real filter).
///   - boundary: how values outside the image are defined.
/// - Returns: the C × H × W convolved image. Values are not clipped.
/// - Throws: `SpectralError.kernelChannels`, `SpectralError.nonFinite` for a kernel with NaN/∞.
public func convolve(_ image: Image, _ kernel: Image, boundary: BoundaryMode) throws -> Image {
    try checkKernel(kernel)
    let layout = ConvolutionLayout.same(height: image.height, width: image.width,
                                        kernelHeight: kernel.height, kernelWidth: kernel.width, mode: boundary)
    return try fftConvolve(image, kernel, layout: layout)
}

/// The valid part of the convolution of `image` with `kernel`: output (H − kh + 1) × (W − kw + 1),
/// where output pixel (y, x) is centred on input pixel (y + ⌊kh/2⌋, x + ⌊kw/2⌋) and only uses
/// pixels inside the image. This is how synthetic blur avoids any boundary assumption
/// (MATLAB `conv2(f, k, 'valid')`, SciPy `signal.fftconvolve(f, k, mode='valid')`).
/// - Throws: `SpectralError.kernelTooLarge` when the kernel is larger than the image, and the
///   errors of `convolve`.
public func convolveValid(_ image: Image, _ kernel: Image) throws -> Image {
    try checkKernel(kernel)
    guard kernel.height <= image.height, kernel.width <= image.width else {
        throw SpectralError.kernelTooLarge(operation: "valid convolution", kernelHeight: kernel.height,
                                           kernelWidth: kernel.width, height: image.height, width: image.width)
    }
    let layout = ConvolutionLayout.valid(height: image.height, width: image.width,
                                         kernelHeight: kernel.height, kernelWidth: kernel.width)
    return try fftConvolve(image, kernel, layout: layout)
}

/// The adjoint (transpose) of `convolve(_:_:boundary:)` as a linear map of the image, so that
/// ⟨convolve(x), y⟩ = ⟨x, convolveAdjoint(y)⟩ for every boundary mode.
///
/// It correlates `image` with the kernel (multiplies by the conjugate OTF) on the extended grid,
/// then folds the values that landed on the extension back onto the pixels they were copied from
/// (`.zero` drops them; `.reflect`, `.replicate`, `.periodic` add them to their source pixels).
/// Richardson–Lucy and Landweber use it as Hᵀ.
/// - Returns: an image of the same shape as `image`.
/// - Throws: as `convolve`.
public func convolveAdjoint(_ image: Image, _ kernel: Image, boundary: BoundaryMode) throws -> Image {
    try checkKernel(kernel)
    // The own-size circular layout needs no special case: its support is the whole plane and the
    // fold is the identity, which leaves plain circular correlation.
    let layout = ConvolutionLayout.same(height: image.height, width: image.width,
                                        kernelHeight: kernel.height, kernelWidth: kernel.width, mode: boundary)
    return try fftConvolveAdjoint(image, kernel, layout: layout,
                                  sourceHeight: image.height, sourceWidth: image.width)
}

/// The adjoint of `convolveValid`: the "full" correlation of an (H − kh + 1) × (W − kw + 1)
/// image with the kernel, of size H × W (for each output pixel, the weighted sum of the valid
/// outputs its value contributed to).
/// - Throws: `SpectralError.kernelChannels`, `SpectralError.nonFinite`.
public func convolveValidAdjoint(_ image: Image, _ kernel: Image) throws -> Image {
    try checkKernel(kernel)
    let h = image.height + kernel.height - 1, w = image.width + kernel.width - 1
    let layout = ConvolutionLayout.valid(height: h, width: w, kernelHeight: kernel.height, kernelWidth: kernel.width)
    return try fftConvolveAdjoint(image, kernel, layout: layout, sourceHeight: h, sourceWidth: w)
}

func checkKernel(_ kernel: Image) throws {
    guard kernel.channels == 1 else { throw SpectralError.kernelChannels(kernel.channels) }
    guard kernel.isFinite else { throw SpectralError.nonFinite(what: "convolution kernel") }
}

/// Forward: fill plane from the image extension, multiply by the OTF, keep the output window.
func fftConvolve(_ image: Image, _ kernel: Image, layout l: ConvolutionLayout) throws -> Image {
    let fft = RealFFT2D(height: l.fftHeight, width: l.fftWidth)
    let otf = try psfToOTF(kernel, height: l.fftHeight, width: l.fftWidth)
    var out = Image(channels: image.channels, height: l.outHeight, width: l.outWidth)
    let planeSize = l.outHeight * l.outWidth
    out.pixels.withUnsafeMutableBufferPointer { dst in
        // One level of parallelism: channels. Each iteration writes only its own output plane.
        parallelFor(image.channels) { c in
            var plane = RealPlane(extending: image, channel: c, height: l.fftHeight, width: l.fftWidth,
                                  top: l.top, left: l.left, mode: l.mode)
            var spectrum = fft.forward(plane)
            spectrum.multiply(by: otf)
            fft.inverse(destroying: &spectrum, into: &plane)   // reuses the plane's memory
            plane.copyRegion(top: l.offsetY, left: l.offsetX, height: l.outHeight, width: l.outWidth,
                              to: dst.baseAddress! + c * planeSize)
        }
    }
    return out
}

/// Adjoint: place the image at the output window, multiply by conj(OTF), fold the support back.
func fftConvolveAdjoint(_ image: Image, _ kernel: Image, layout l: ConvolutionLayout,
                        sourceHeight: Int, sourceWidth: Int) throws -> Image {
    precondition(image.height == l.outHeight && image.width == l.outWidth, "Adjoint input has the wrong shape")
    let fft = RealFFT2D(height: l.fftHeight, width: l.fftWidth)
    let otf = try psfToOTF(kernel, height: l.fftHeight, width: l.fftWidth)
    var out = Image(channels: image.channels, height: sourceHeight, width: sourceWidth)
    let planeSize = sourceHeight * sourceWidth
    // Where each support row/column of the plane came from in the source (−1: nowhere, zero mode).
    let rowSource = (0 ..< l.supportHeight).map { l.mode.sourceIndex($0 - l.top, count: sourceHeight) ?? -1 }
    let colSource = (0 ..< l.supportWidth).map { l.mode.sourceIndex($0 - l.left, count: sourceWidth) ?? -1 }
    out.pixels.withUnsafeMutableBufferPointer { dst in
        // One level of parallelism: channels. Each iteration writes only its own output plane.
        parallelFor(image.channels) { c in
            var result = RealPlane(extending: image, channel: c, height: l.fftHeight, width: l.fftWidth,
                                   top: l.offsetY, left: l.offsetX, mode: .zero)
            var spectrum = fft.forward(result)
            spectrum.multiply(by: otf, conjugatingOther: true)
            fft.inverse(destroying: &spectrum, into: &result)   // reuses the plane's memory
            let target = dst.baseAddress! + c * planeSize
            result.withUnsafeBufferPointer { r in
                for y in 0 ..< l.supportHeight {
                    let sy = rowSource[y]
                    if sy < 0 { continue }
                    let rRow = y &* l.fftWidth, tRow = sy &* sourceWidth
                    for x in 0 ..< l.supportWidth {
                        let sx = colSource[x]
                        if sx >= 0 { target[tRow &+ sx] += r[rRow &+ x] }
                    }
                }
            }
        }
    }
    return out
}

extension RealPlane {
    /// Copies the `height × width` region at (`top`, `left`) to `destination`, row-major.
    func copyRegion(top: Int, left: Int, height h: Int, width w: Int, to destination: UnsafeMutablePointer<Float>) {
        precondition(top >= 0 && left >= 0 && top + h <= height && left + w <= width,
                     "Region \(h)×\(w) at (\(top), \(left)) leaves the \(height)×\(width) plane")
        let src = storage.pointer
        for y in 0 ..< h {
            let s = (top &+ y) &* width &+ left, d = y &* w
            for x in 0 ..< w { destination[d &+ x] = src[s &+ x] }
        }
    }
}
