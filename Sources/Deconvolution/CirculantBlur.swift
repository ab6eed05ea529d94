import Blur
import ImageCore
import Spectral

/// The blur `H` as a circulant operator on a working domain, with its OTF computed once and
/// scratch buffers reused, so iterative methods allocate nothing per iteration.
final class CirculantBlur {
    let fft: RealFFT2D
    let otf: ComplexBuffer
    /// The OTF divided by H·W, so `apply` can use the unnormalised inverse FFT (one pass fewer);
    /// made on first use (one-shot filters never need it).
    private lazy var scaledOTF: ComplexBuffer = {
        let scaled = otf.copy()
        let scale = 1 / Float(fft.realCount), p = scaled.floats
        parallelRanges(2 * otf.count) { range in for i in range { p[i] *= scale } }
        return scaled
    }()
    private lazy var spectrum = ComplexBuffer(count: fft.spectrumCount, zeroed: false)

    init(psf: PSF, height: Int, width: Int) throws {
        fft = RealFFT2D.plan(height: height, width: width)
        otf = try psfToOTF(psf.weights, height: height, width: width)
    }

    /// `out = H x` (or `Hᵀ x` when `adjoint`). `x` and `out` may be the same buffer.
    func apply(_ x: RealBuffer, into out: RealBuffer, adjoint: Bool = false) {
        fft.forward(x, spectrum)
        multiplySpectra(spectrum, by: scaledOTF, conjugate: adjoint)
        fft.inverseUnnormalized(destroying: spectrum, out)
    }

    /// `out = H x` from `x`'s spectrum already divided by H·W (as `GradientPriorStep.solve` keeps it): one
    /// inverse FFT instead of a forward and an inverse. `scaledSpectrum` is left unchanged.
    func apply(scaledSpectrum: ComplexBuffer, into out: RealBuffer) {
        spectrum.floats.update(from: scaledSpectrum.floats, count: 2 * otf.count)
        multiplySpectra(spectrum, by: otf)
        fft.inverseUnnormalized(destroying: spectrum, out)
    }

    /// |H|² for every frequency of the half spectrum.
    func powerSpectrum() -> [Float] {
        (0 ..< otf.count).map { k in otf.floats[2 * k] * otf.floats[2 * k] + otf.floats[2 * k + 1] * otf.floats[2 * k + 1] }
    }
}

/// One channel of an image, read in place (copied only when a method needs an `Image`).
struct ChannelPlane {
    let source: Image
    let channel: Int

    /// The channel as a one-channel image (a copy; single-channel sources are returned as they are).
    func image() -> Image { source.channels == 1 ? source : source.channel(channel) }

    /// Copies the channel's pixels to `destination` (`planeSize` values).
    func copy(into destination: UnsafeMutablePointer<Float>) {
        source.pixels.withUnsafeBufferPointer { src in
            destination.update(from: src.baseAddress! + channel * source.planeSize, count: source.planeSize)
        }
    }
}

/// Shared checks and the per-channel loop of every method: validates the PSF size and the data,
/// builds the working domain and the blur operator once, then runs `body` on each channel and
/// copies the image part of the domain buffer it returns straight into the result (channels one
/// after another: each method's FFTs and element-wise loops use the machine's threads themselves
/// — one level of parallelism).
func deconvolvePerChannel(_ blurred: Image, psf: PSF, border: BorderHandling,
                          _ body: (ChannelPlane, WorkingDomain, CirculantBlur) throws -> RealBuffer) throws -> Image {
    guard psf.height <= blurred.height, psf.width <= blurred.width else {
        throw DeconvolutionError.psfLargerThanImage(psfWidth: psf.width, psfHeight: psf.height,
                                                    width: blurred.width, height: blurred.height)
    }
    let bad = blurred.nonFiniteCount
    guard bad == 0 else { throw DeconvolutionError.nonFiniteInput(count: bad) }
    let domain = WorkingDomain(imageHeight: blurred.height, imageWidth: blurred.width, psf: psf, border: border)
    let blur = try CirculantBlur(psf: psf, height: domain.height, width: domain.width)
    let n = blurred.planeSize
    var failure: Error?
    let pixels = [Float](unsafeUninitializedCapacity: blurred.pixels.count) { out, initialised in
        for c in 0 ..< blurred.channels {
            do {
                let result = try body(ChannelPlane(source: blurred, channel: c), domain, blur)
                domain.extract(result, into: out.baseAddress! + c * n)
            } catch {
                failure = error
                out.baseAddress!.initialize(repeating: 0, count: out.count)
                break
            }
        }
        initialised = out.count
    }
    if let failure { throw failure }
    return Image(channels: blurred.channels, height: blurred.height, width: blurred.width, pixels: pixels)
}

func checkIterations(_ n: Int) throws {
    guard n >= 1 else { throw DeconvolutionError.invalidIterations(n) }
}
