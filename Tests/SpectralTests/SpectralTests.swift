import Foundation
import ImageCore
import Testing
@testable import Spectral

func randomImage(channels: Int, height: Int, width: Int, seed: UInt64) -> Image {
    var rng = SeededRNG(seed: seed)
    var img = Image(channels: channels, height: height, width: width)
    for i in img.pixels.indices { img.pixels[i] = Float(rng.uniform()) }
    return img
}

/// Naive twin of `convolve`: y[c,i,j] = Σ_{a,b} k[a,b] · x[c, i + kh/2 − a, j + kw/2 − b], with x
/// outside the image given by the boundary mode. Accumulates in Double.
func naiveConvolve(_ x: Image, _ k: Image, _ mode: BoundaryMode) -> Image {
    var y = Image(channels: x.channels, height: x.height, width: x.width)
    for c in 0 ..< x.channels { for i in 0 ..< x.height { for j in 0 ..< x.width {
        var acc = 0.0
        for a in 0 ..< k.height { for b in 0 ..< k.width {
            guard let si = mode.sourceIndex(i + k.height / 2 - a, count: x.height),
                  let sj = mode.sourceIndex(j + k.width / 2 - b, count: x.width) else { continue }
            acc += Double(k[0, a, b]) * Double(x[c, si, sj])
        } }
        y[c, i, j] = Float(acc)
    } } }
    return y
}

func dot(_ a: Image, _ b: Image) -> Double {
    zip(a.pixels, b.pixels).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

@Suite("FFT")
struct FFTTests {
    @Test("forward then inverse returns the input within 1e-5", arguments: [(1, 1), (7, 5), (64, 64), (97, 130)])
    func roundTrip(height: Int, width: Int) {
        let fft = RealFFT2D.plan(height: height, width: width)
        let x = randomImage(channels: 1, height: height, width: width, seed: 1)
        let real = RealBuffer(count: fft.realCount)
        for i in 0 ..< fft.realCount { real.pointer[i] = x.pixels[i] }
        let spectrum = ComplexBuffer(count: fft.spectrumCount)
        fft.forward(real, spectrum)
        #expect(abs(spectrum.floats[0] - Float(x.sum)) < 1e-3)   // DC term is the sum
        let back = RealBuffer(count: fft.realCount)
        fft.inverse(spectrum, back)
        let worst = (0 ..< fft.realCount).map { abs(back.pointer[$0] - x.pixels[$0]) }.max()!
        #expect(worst <= 1e-5)
    }

    @Test("fast sizes have only the factors 2, 3, 5, 7")
    func fastSizes() {
        #expect(fastFFTSize(1) == 1)
        #expect(fastFFTSize(11) == 12)
        #expect(fastFFTSize(97) == 98)
        #expect(fastFFTSize(1031) == 1050)
        #expect(fastFFTSize(1024) == 1024)
    }

    @Test("the OTF of a centred delta is all ones")
    func deltaOTF() throws {
        var delta = Image(channels: 1, height: 5, width: 5)
        delta[0, 2, 2] = 1
        let otf = try psfToOTF(delta, height: 12, width: 9)
        for k in 0 ..< otf.count {
            #expect(abs(otf.floats[2 * k] - 1) < 1e-6 && abs(otf.floats[2 * k + 1]) < 1e-6)
        }
    }

    /// Naive twin: the DFT of the kernel with its centre at the origin, in Double, value by value.
    @Test("psfToOTF (pruned and full transforms) equals the direct DFT on odd grids",
          arguments: [(129, 131, 7, 5), (135, 125, 6, 9), (17, 19, 5, 3), (130, 127, 40, 11)])
    func otfAgainstDirectDFT(height: Int, width: Int, kh: Int, kw: Int) throws {
        let kernel = randomImage(channels: 1, height: kh, width: kw, seed: UInt64(kh * 31 + kw))
        let otf = try psfToOTF(kernel, height: height, width: width)
        let cw = width / 2 + 1
        var worst = 0.0
        for u in 0 ..< height { for v in 0 ..< cw {
            var re = 0.0, im = 0.0
            for y in 0 ..< kh { for x in 0 ..< kw {
                let phase = -2 * Double.pi * (Double(u * (y - kh / 2)) / Double(height) + Double(v * (x - kw / 2)) / Double(width))
                re += Double(kernel[0, y, x]) * cos(phase); im += Double(kernel[0, y, x]) * sin(phase)
            } }
            let k = u * cw + v
            worst = max(worst, abs(Double(otf.floats[2 * k]) - re), abs(Double(otf.floats[2 * k + 1]) - im))
        } }
        #expect(worst < 2e-5, "max |OTF − DFT| = \(worst)")
    }

    @Test("FFTW wisdom: the planner's own export imports again; text that is not wisdom is refused")
    func wisdomRoundTrip() {
        _ = RealFFT2D.plan(height: 12, width: 10)   // threads initialised first: they are part of wisdom's signature
        let text = FFTWisdom.exportText()
        #expect(text.hasPrefix("(fftw-3.3"), "\(text.prefix(40))")
        #expect(FFTWisdom.importText(text))
        #expect(!FFTWisdom.importText("(not wisdom)"))
        #expect(!FFTWisdom.importText(String(text.prefix(text.count / 2))))
    }

    @Test("psfToOTF refuses a kernel larger than the grid and multi-channel kernels")
    func otfErrors() {
        #expect(throws: SpectralError.kernelLargerThanImage(kernelHeight: 9, kernelWidth: 9, height: 8, width: 20)) {
            try psfToOTF(Image(channels: 1, height: 9, width: 9), height: 8, width: 20)
        }
        #expect(throws: SpectralError.kernelNotSingleChannel(channels: 3)) {
            try convolve(Image(channels: 1, height: 9, width: 9), kernel: Image(channels: 3, height: 3, width: 3), boundary: .zero)
        }
    }
}

@Suite("FFT convolution against its naive twin")
struct ConvolutionTests {
    @Test("every boundary mode, odd sizes, asymmetric kernels",
          arguments: BoundaryMode.allCases, [(13, 17, 3, 5), (9, 11, 7, 7), (6, 5, 1, 3)])
    func matchesNaive(mode: BoundaryMode, shape: (Int, Int, Int, Int)) throws {
        let (h, w, kh, kw) = shape
        let x = randomImage(channels: 2, height: h, width: w, seed: 2)
        let k = randomImage(channels: 1, height: kh, width: kw, seed: 3)
        let fast = try convolve(x, kernel: k, boundary: mode)
        #expect(fast.maxAbsDifference(naiveConvolve(x, k, mode)) < 2e-5)
    }

    @Test("a kernel larger than the image still works with reflect padding")
    func bigKernel() throws {
        let x = randomImage(channels: 1, height: 5, width: 4, seed: 4)
        let k = randomImage(channels: 1, height: 9, width: 9, seed: 5)
        #expect((try convolve(x, kernel: k, boundary: .reflect)).maxAbsDifference(naiveConvolve(x, k, .reflect)) < 2e-5)
    }

    @Test("valid convolution keeps only fully covered outputs")
    func valid() throws {
        let x = randomImage(channels: 3, height: 15, width: 12, seed: 6)
        let k = randomImage(channels: 1, height: 5, width: 3, seed: 7)
        let v = try convolveValid(x, kernel: k)
        #expect(v.height == 11 && v.width == 10)
        let same = naiveConvolve(x, k, .zero)
        #expect(v.maxAbsDifference(try same.cropped(x: 1, y: 2, width: 10, height: 11)) < 2e-5)
        #expect(throws: SpectralError.self) { try convolveValid(Image(channels: 1, height: 3, width: 3), kernel: k) }
    }

    @Test("⟨Hx, y⟩ = ⟨x, Hᵀy⟩ in every boundary mode", arguments: BoundaryMode.allCases)
    func adjoint(mode: BoundaryMode) throws {
        let x = randomImage(channels: 1, height: 19, width: 14, seed: 8)
        let y = randomImage(channels: 1, height: 19, width: 14, seed: 9)
        let k = randomImage(channels: 1, height: 7, width: 5, seed: 10)
        let lhs = dot(try convolve(x, kernel: k, boundary: mode), y)
        let rhs = dot(x, try convolveAdjoint(y, kernel: k, boundary: mode))
        #expect(abs(lhs - rhs) / abs(lhs) < 1e-5)
    }
}
