import ImageCore

/// The optical transfer function of a kernel: the `height × width` half-spectrum of the kernel
/// zero-padded to that shape and circularly shifted so that its centre element
/// (⌊kh/2⌋, ⌊kw/2⌋) sits at the origin (0, 0).
///
/// This is the one place the PSF → transfer-function convention lives; every FFT convolution and
/// deconvolution in the workbench goes through it. It matches MATLAB `psf2otf(psf, [height width])`
/// and scikit-image `restoration.uft.ir2tf(psf, (height, width), is_real=True)` (both shift by
/// −⌊size/2⌋). Multiplying an image spectrum by it is a circular *convolution* with the kernel
/// centred on each pixel; multiplying by its conjugate is the adjoint (correlation).
///
/// Any real kernel is accepted — a PSF, or a regulariser such as the Laplacian of Wiener–Hunt
/// deconvolution. A centred delta gives all ones.
/// - Parameters:
///   - kernel: one-channel kernel, at most `height × width`.
///   - height, width: the real-domain shape of the transform (e.g. a padded, fast size).
/// - Throws: `SpectralError.kernelChannels` for a multi-channel kernel,
///   `SpectralError.kernelTooLarge` when it does not fit in `height × width`.
/// - References: MATLAB Image Processing Toolbox `psf2otf`; scikit-image `skimage/restoration/uft.py`.
public func psfToOTF(_ kernel: Image, height: Int, width: Int) throws -> Spectrum {
    guard kernel.channels == 1 else { throw SpectralError.kernelChannels(kernel.channels) }
    guard kernel.height <= height, kernel.width <= width else {
        throw SpectralError.kernelTooLarge(operation: "psfToOTF", kernelHeight: kernel.height,
                                           kernelWidth: kernel.width, height: height, width: width)
    }
    let kh = kernel.height, kw = kernel.width
    let cy = kh / 2, cx = kw / 2
    var plane = RealPlane(height: height, width: width)
    plane.withUnsafeMutableBufferPointer { dst in
        kernel.pixels.withUnsafeBufferPointer { k in
            for i in 0 ..< kh {
                var y = i - cy
                if y < 0 { y += height }
                for j in 0 ..< kw {
                    var x = j - cx
                    if x < 0 { x += width }
                    dst[y &* width &+ x] = k[i &* kw &+ j]
                }
            }
        }
    }
    return RealFFT2D(height: height, width: width).forward(plane)
}
