import Foundation
import ImageCore

/// Errors from spectral operations that user input can trigger.
public enum SpectralError: LocalizedError, Equatable {
    case kernelNotSingleChannel(channels: Int)
    case kernelLargerThanImage(kernelHeight: Int, kernelWidth: Int, height: Int, width: Int)

    public var errorDescription: String? {
        switch self {
        case let .kernelNotSingleChannel(channels):
            return "A blur kernel must have one channel, this one has \(channels). Convert it to gray first."
        case let .kernelLargerThanImage(kh, kw, h, w):
            return "The \(kw)×\(kh) kernel does not fit in the \(w)×\(h) image. Use a smaller kernel or a larger image."
        }
    }
}

/// The transfer function (OTF) of `kernel` for an H×W periodic grid — the ONE place the
/// PSF→OTF convention lives (MATLAB `psf2otf`, scikit-image `uft.ir2tf`): the kernel is
/// zero-padded to H×W and circularly shifted so that its centre pixel `(kh/2, kw/2)` sits at
/// the origin; the result is its unnormalised forward FFT (H × (W/2+1) values). With this
/// convention, multiplying a spectrum by the OTF is convolution centred on each pixel, with
/// no shift. Kernel sides are normally odd; for even sides the centre is `(kh/2, kw/2)`.
/// - Throws: `SpectralError` if the kernel is not one channel or does not fit in H×W.
public func psfToOTF(_ kernel: Image, height: Int, width: Int) throws -> ComplexBuffer {
    guard kernel.channels == 1 else { throw SpectralError.kernelNotSingleChannel(channels: kernel.channels) }
    guard kernel.height <= height, kernel.width <= width else {
        throw SpectralError.kernelLargerThanImage(kernelHeight: kernel.height, kernelWidth: kernel.width,
                                                  height: height, width: width)
    }
    if kernel.height * 4 <= height, height * width >= 1 << 14 {
        return prunedOTF(kernel, height: height, width: width)
    }
    let fft = RealFFT2D.plan(height: height, width: width)
    let grid = RealBuffer(count: height * width)
    let cy = kernel.height / 2, cx = kernel.width / 2
    for y in 0 ..< kernel.height {
        let gy = (y - cy + height) % height
        for x in 0 ..< kernel.width {
            let gx = (x - cx + width) % width
            grid.pointer[gy * width + gx] += kernel[0, y, x]
        }
    }
    let otf = ComplexBuffer(count: fft.spectrumCount, zeroed: false)
    fft.forward(grid, otf)
    return otf
}

/// `psfToOTF` for a kernel much shorter than the grid, without transforming the zero rows: the
/// kernel's kh rows (wrapped to the grid's first and last rows) get their row r2c transforms
/// (kh × W instead of H × W), placed in an otherwise zero half spectrum; then the column c2c
/// transforms run in place. The column pass is most of a 2-D r2c transform's work, so this
/// saves the row pass — about a third of the cost — and gives the same values as the full
/// transform to rounding (the tests compare both).
func prunedOTF(_ kernel: Image, height: Int, width: Int) -> ComplexBuffer {
    let plan = PlanCache.shared.otfPlan(height: height, width: width, rows: kernel.height)
    let cw = width / 2 + 1, kh = kernel.height
    let rows = RealBuffer(count: kh * width)
    let cy = kernel.height / 2, cx = kernel.width / 2
    for y in 0 ..< kh {
        for x in 0 ..< kernel.width {
            rows.pointer[y * width + (x - cx + width) % width] += kernel[0, y, x]
        }
    }
    let rowSpectra = ComplexBuffer(count: kh * cw, zeroed: false)
    plan.transformRows(rows, rowSpectra)
    let otf = ComplexBuffer(count: height * cw, zeroed: false)
    // Zero the rows no kernel row lands on; copy each kernel row's spectrum to its wrapped row.
    let firstUnused = kh - cy, lastUnused = height - cy   // rows firstUnused ..< lastUnused stay zero
    (otf.floats + 2 * firstUnused * cw).initialize(repeating: 0, count: 2 * (lastUnused - firstUnused) * cw)
    for y in 0 ..< kh {
        let gy = (y - cy + height) % height
        (otf.floats + 2 * gy * cw).update(from: rowSpectra.floats + 2 * y * cw, count: 2 * cw)
    }
    plan.transformColumns(otf)
    return otf
}

/// `a *= b` element-wise for complex spectra (or `a *= conj(b)` when `conjugate`).
/// Large spectra are split over threads with `parallelRanges`.
public func multiplySpectra(_ a: ComplexBuffer, by b: ComplexBuffer, conjugate: Bool = false) {
    precondition(a.count == b.count, "spectra differ in size: \(a.count) vs \(b.count)")
    let pa = a.floats, pb = b.floats
    let sign: Float = conjugate ? -1 : 1
    parallelRanges(a.count) { range in
        for k in range {
            let ar = pa[2 &* k], ai = pa[2 &* k &+ 1]
            let br = pb[2 &* k], bi = sign * pb[2 &* k &+ 1]
            pa[2 &* k] = ar * br - ai * bi
            pa[2 &* k &+ 1] = ar * bi + ai * br
        }
    }
}

/// Convolution `y = h ∗ x` of every channel of `image` with a one-channel `kernel`, computed by FFT,
/// returning an image of the same size. Outside the image, `x` is defined by `boundary`:
/// `.periodic` is circular convolution at the image's own size (what a plain FFT does); the other
/// modes pad by the kernel's half-size with that mode and transform at a fast size, so nothing
/// wraps around. The kernel is applied as a convolution (flipped), centred at `(kh/2, kw/2)`.
/// Channels run in parallel (`parallelFor`) for small images; large ones use FFTW's threads per channel.
/// - Throws: `SpectralError` for a multi-channel kernel, or (periodic) a kernel larger than the image.
public func convolve(_ image: Image, kernel: Image, boundary: BoundaryMode) throws -> Image {
    guard kernel.channels == 1 else { throw SpectralError.kernelNotSingleChannel(channels: kernel.channels) }
    if boundary == .periodic { return try circularConvolve(image, kernel: kernel, adjoint: false) }
    // Output (y, x) needs x̃ from y − (kh − 1 − ⌊kh/2⌋) to y + ⌊kh/2⌋: pad that much above and below
    // (the two differ for even kernels, whose centre is ⌊kh/2⌋).
    let ph = kernel.height - 1 - kernel.height / 2, pw = kernel.width - 1 - kernel.width / 2
    let padded = image.padded(top: ph, bottom: kernel.height / 2, left: pw, right: kernel.width / 2, mode: boundary)
    let fh = fastFFTSize(padded.height), fw = fastFFTSize(padded.width)
    let big = fh == padded.height && fw == padded.width
        ? padded : padded.padded(top: 0, bottom: fh - padded.height, left: 0, right: fw - padded.width, mode: .zero)
    let full = try circularConvolve(big, kernel: kernel, adjoint: false)
    return try full.cropped(x: pw, y: ph, width: image.width, height: image.height)
}

/// The exact adjoint `Hᵀ` of `convolve(_:kernel:boundary:)` for every boundary mode, so that
/// ⟨H x, y⟩ = ⟨x, Hᵀ y⟩. For `.periodic` and `.zero` it is correlation with the kernel; for
/// `.reflect` and `.replicate` the padded border is folded back onto the pixels it was copied
/// from (`Image.paddingAdjoint`). Iterative deconvolution (Richardson–Lucy, Landweber) uses it.
public func convolveAdjoint(_ image: Image, kernel: Image, boundary: BoundaryMode) throws -> Image {
    guard kernel.channels == 1 else { throw SpectralError.kernelNotSingleChannel(channels: kernel.channels) }
    if boundary == .periodic { return try circularConvolve(image, kernel: kernel, adjoint: true) }
    let ph = kernel.height - 1 - kernel.height / 2, pw = kernel.width - 1 - kernel.width / 2
    let paddedHeight = image.height + kernel.height - 1, paddedWidth = image.width + kernel.width - 1
    let fh = fastFFTSize(paddedHeight), fw = fastFFTSize(paddedWidth)
    // Cᵀ: put y where the crop took it from, zeros elsewhere; Kᵀ: circular correlation.
    let placed = image.padded(top: ph, bottom: fh - image.height - ph, left: pw, right: fw - image.width - pw, mode: .zero)
    let correlated = try circularConvolve(placed, kernel: kernel, adjoint: true)
    // Eᵀ: drop the fast-size extension; Pᵀ: fold the boundary padding back.
    let padded = try correlated.cropped(x: 0, y: 0, width: paddedWidth, height: paddedHeight)
    return padded.paddingAdjoint(top: ph, left: pw, height: image.height, width: image.width, mode: boundary)
}

/// "Valid" convolution: only the outputs whose kernel footprint lies entirely inside the image,
/// so the result is (H − kh + 1) × (W − kw + 1) and no boundary assumption enters it. This is how
/// synthetic blur avoids the inverse crime.
/// - Throws: `SpectralError.kernelLargerThanImage` when no such output exists.
public func convolveValid(_ image: Image, kernel: Image) throws -> Image {
    guard kernel.channels == 1 else { throw SpectralError.kernelNotSingleChannel(channels: kernel.channels) }
    guard kernel.height <= image.height, kernel.width <= image.width else {
        throw SpectralError.kernelLargerThanImage(kernelHeight: kernel.height, kernelWidth: kernel.width,
                                                  height: image.height, width: image.width)
    }
    let same = try convolve(image, kernel: kernel, boundary: .zero)
    // Valid output (y, x) is centred on input (y + kh − 1 − ⌊kh/2⌋, …) (= ⌊kh/2⌋ for odd kernels).
    return try same.cropped(x: kernel.width - 1 - kernel.width / 2, y: kernel.height - 1 - kernel.height / 2,
                            width: image.width - kernel.width + 1, height: image.height - kernel.height + 1)
}

/// Circular convolution (or correlation, when `adjoint`) at the image's own size.
func circularConvolve(_ image: Image, kernel: Image, adjoint: Bool) throws -> Image {
    let h = image.height, w = image.width
    let otf = try psfToOTF(kernel, height: h, width: w)
    let fft = RealFFT2D.plan(height: h, width: w)
    var out = Image(channels: image.channels, height: h, width: w)
    let planes = UncheckedSendable(image.pixels)
    var results = [[Float]](repeating: [], count: image.channels)
    results.withUnsafeMutableBufferPointer { slots in
        // One level of parallelism: channels in parallel unless FFTW already uses the threads.
        parallelFor(image.channels, threads: fft.isMultithreaded ? 1 : workerThreadCount) { c in
            let real = RealBuffer(count: h * w)
            planes.value.withUnsafeBufferPointer { src in
                real.pointer.update(from: src.baseAddress! + c * h * w, count: h * w)
            }
            let spectrum = ComplexBuffer(count: fft.spectrumCount)
            fft.forward(real, spectrum)
            multiplySpectra(spectrum, by: otf, conjugate: adjoint)
            fft.inverse(destroying: spectrum, real)
            slots[c] = Array(real.buffer)
        }
    }
    for c in 0 ..< image.channels {
        out.pixels.replaceSubrange(c * h * w ..< (c + 1) * h * w, with: results[c])
    }
    return out
}

extension Image {
    /// The image rotated by 180° (each channel flipped in both directions): the kernel of the adjoint.
    public func flipped() -> Image {
        var out = self
        let n = planeSize
        for c in 0 ..< channels {
            for i in 0 ..< n { out.pixels[c * n + i] = pixels[c * n + (n - 1 - i)] }
        }
        return out
    }
}
