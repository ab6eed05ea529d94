import Blur
import Foundation
import ImageCore
import Spectral
import Testing
@testable import Deconvolution

@Suite("Wiener filter with a fitted spectral prior")
struct SpectralWienerTests {
    /// A 96×128 image whose power spectrum is exactly A·|f|^−α (random phases), and its spectrum.
    func powerLawImage(alpha: Double, h: Int = 96, w: Int = 128) -> (RealBuffer, ComplexBuffer, RealFFT2D) {
        let fft = RealFFT2D.plan(height: h, width: w)
        let spectrum = ComplexBuffer(count: fft.spectrumCount)
        var state: UInt64 = 12345
        let cw = w / 2 + 1
        for r in 0 ..< h {
            for c in 0 ..< cw {
                let f = radialFrequency(r, c, h, w)
                guard f > 0 else { continue }
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let phase = Double(state >> 11) / Double(1 << 53) * 2 * Double.pi
                let magnitude = 1000 * pow(f, -alpha / 2)
                spectrum.floats[2 * (r * cw + c)] = Float(magnitude * cos(phase))
                spectrum.floats[2 * (r * cw + c) + 1] = Float(magnitude * sin(phase))
            }
        }
        let image = RealBuffer(count: h * w)
        fft.inverse(spectrum, image)
        let back = ComplexBuffer(count: fft.spectrumCount)
        fft.forward(image, back)
        return (image, back, fft)
    }

    @Test("the fit recovers the exponent of a power-law spectrum (α = 1.5, 2, 3) to 0.1", arguments: [1.5, 2.0, 3.0])
    func fitRecoversExponent(alpha: Double) throws {
        let (_, spectrum, fft) = powerLawImage(alpha: alpha)
        let identity = ComplexBuffer(count: fft.spectrumCount)
        for k in 0 ..< fft.spectrumCount { identity.floats[2 * k] = 1 }
        let prior = try #require(fitSpectralPrior(spectrum, otf: identity, height: 96, width: 128, noisePower: 1e-9))
        #expect(abs(prior.exponent - alpha) < 0.1, "fitted α = \(prior.exponent)")
        #expect(prior.bins >= 10)
    }

    @Test("a flat image has no spectrum to fit: the filter falls back to the scalar default, exactly")
    func flatImageFallsBack() throws {
        var flat = Image(channels: 1, height: 40, width: 40)
        for i in flat.pixels.indices { flat.pixels[i] = 0.4 }
        let psf = try PSF.parse("gaussian:1.5")
        let (restored, priors) = try wienerSpectralWithPriors(flat, psf: psf)
        #expect(priors == [nil])
        #expect(restored.pixels == (try wiener(flat, psf: psf)).pixels)
    }

    @Test("on a valid-blurred photograph-like texture it restores better than the blurred input; a larger scale smooths more")
    func restores() throws {
        let psf = try PSF.parse("gaussian:2")
        let (image, _, _) = powerLawImage(alpha: 2)
        var sharp = Image(channels: 1, height: 96, width: 128)
        let values = (0 ..< 96 * 128).map { image.pointer[$0] }
        let lo = values.min()!, hi = values.max()!
        for i in sharp.pixels.indices { sharp.pixels[i] = 0.1 + 0.8 * (values[i] - lo) / (hi - lo) }
        let d = try degrade(sharp, psf: psf, options: DegradationOptions(noiseSigma: 0.01), seed: 4)
        func mse(_ a: Image) -> Double { zip(a.pixels, d.sharp.pixels).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(a.pixels.count) }
        func roughness(_ a: Image) -> Double { (1 ..< a.pixels.count).map { Double(a.pixels[$0] - a.pixels[$0 - 1]) }.map { $0 * $0 }.reduce(0, +) }
        let x = try wienerSpectral(d.blurred, psf: psf)
        #expect(mse(x) < 0.8 * mse(d.blurred), "\(mse(x)) vs \(mse(d.blurred))")
        #expect(roughness(try wienerSpectral(d.blurred, psf: psf, scale: 20)) < roughness(x))
    }

    @Test("a scale ≤ 0 or non-finite is a named error")
    func badScale() throws {
        let img = Image(channels: 1, height: 20, width: 20), psf = try PSF.parse("gaussian:1")
        for s in [0, -1, Double.nan, .infinity] {
            #expect(throws: DeconvolutionError.self) { try wienerSpectral(img, psf: psf, scale: s) }
        }
    }
}
