import Blur
import ImageCore
import Spectral

/// The blur `H` as a circulant operator on a working domain, with its OTF computed once and
/// scratch buffers reused, so iterative methods allocate nothing per iteration.
final class CirculantBlur {
    let fft: RealFFT2D
    let otf: ComplexBuffer
    private let spectrum: ComplexBuffer

    init(psf: PSF, height: Int, width: Int) throws {
        fft = RealFFT2D.plan(height: height, width: width)
        otf = try psfToOTF(psf.weights, height: height, width: width)
        spectrum = ComplexBuffer(count: fft.spectrumCount)
    }

    /// `out = H x` (or `Hᵀ x` when `adjoint`).
    func apply(_ x: RealBuffer, into out: RealBuffer, adjoint: Bool = false) {
        fft.forward(x, spectrum)
        multiplySpectra(spectrum, by: otf, conjugate: adjoint)
        fft.inverse(destroying: spectrum, out)
    }

    /// |H|² for every frequency of the half spectrum.
    func powerSpectrum() -> [Float] {
        (0 ..< otf.count).map { k in otf.floats[2 * k] * otf.floats[2 * k] + otf.floats[2 * k + 1] * otf.floats[2 * k + 1] }
    }
}

/// Shared checks and the per-channel loop of every method: validates the PSF size and the data,
/// then runs `body` on each channel's plane (channels one after another: each method's FFTs and
/// element-wise loops use the machine's threads themselves).
func deconvolvePerChannel(_ blurred: Image, psf: PSF, _ body: (Image) throws -> Image) throws -> Image {
    guard psf.height <= blurred.height, psf.width <= blurred.width else {
        throw DeconvolutionError.psfLargerThanImage(psfWidth: psf.width, psfHeight: psf.height,
                                                    width: blurred.width, height: blurred.height)
    }
    let bad = blurred.pixels.filter { !$0.isFinite }.count
    guard bad == 0 else { throw DeconvolutionError.nonFiniteInput(count: bad) }
    return try blurred.mapChannels(body)
}

func checkIterations(_ n: Int) throws {
    guard n >= 1 else { throw DeconvolutionError.invalidIterations(n) }
}
