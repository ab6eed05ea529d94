import Foundation
import ImageCore
import Testing
@testable import Spectral

/// X[u, v] = Σ x[y, x] exp(−2πi(u y / H + v x / W)) for v in 0 ... W/2, in Double: the naive twin
/// of the r2c transform, fixing the sign, the normalisation and the half-spectrum layout.
func naiveDFT(_ plane: Image) -> [(re: Double, im: Double)] {
    let h = plane.height, w = plane.width
    var out = [(re: Double, im: Double)]()
    for u in 0 ..< h {
        for v in 0 ... w / 2 {
            var re = 0.0, im = 0.0
            for y in 0 ..< h {
                for x in 0 ..< w {
                    let phase = -2 * Double.pi * (Double(u * y) / Double(h) + Double(v * x) / Double(w))
                    re += Double(plane[0, y, x]) * cos(phase)
                    im += Double(plane[0, y, x]) * sin(phase)
                }
            }
            out.append((re, im))
        }
    }
    return out
}

/// MATLAB conv2(f, k, 'valid'): g[y, x] = Σ k[i, j] · f(y + kh − 1 − i, x + kw − 1 − j).
func naiveValid(_ image: Image, _ kernel: Image) -> Image {
    let kh = kernel.height, kw = kernel.width
    var out = Image(channels: image.channels, height: image.height - kh + 1, width: image.width - kw + 1)
    for c in 0 ..< image.channels { for y in 0 ..< out.height { for x in 0 ..< out.width {
        var acc = 0.0
        for i in 0 ..< kh { for j in 0 ..< kw {
            acc += Double(kernel[0, i, j]) * Double(image[c, y + kh - 1 - i, x + kw - 1 - j])
        } }
        out[c, y, x] = Float(acc)
    } } }
    return out
}

@Suite("FFT conventions and edge cases")
struct ConventionTests {
    @Test("the forward transform equals a naive DFT on an odd size (unnormalised, e^{−2πi…}, W/2+1 columns)")
    func forwardIsDFT() {
        let x = randomImage(channels: 1, height: 7, width: 9, seed: 5)
        let fft = RealFFT2D.plan(height: 7, width: 9)
        let real = RealBuffer(count: fft.realCount)
        for i in 0 ..< fft.realCount { real.pointer[i] = x.pixels[i] }
        let spectrum = ComplexBuffer(count: fft.spectrumCount)
        fft.forward(real, spectrum)
        let reference = naiveDFT(x)
        #expect(fft.spectrumCount == reference.count && fft.complexWidth == 5)
        var worst = 0.0
        for k in 0 ..< reference.count {
            worst = max(worst, abs(Double(spectrum.floats[2 * k]) - reference[k].re),
                        abs(Double(spectrum.floats[2 * k + 1]) - reference[k].im))
        }
        #expect(worst < 1e-4)
    }

    @Test("a delta one pixel right of the kernel centre has the OTF exp(−2πi v / W)")
    func shiftedDeltaOTF() throws {
        var delta = Image(channels: 1, height: 3, width: 3)
        delta[0, 1, 2] = 1
        let otf = try psfToOTF(delta, height: 8, width: 8)
        var worst: Float = 0
        for u in 0 ..< 8 {
            for v in 0 ... 4 {
                let angle = -2 * Double.pi * Double(v) / 8
                let k = u * 5 + v
                worst = max(worst, abs(otf.floats[2 * k] - Float(cos(angle))), abs(otf.floats[2 * k + 1] - Float(sin(angle))))
            }
        }
        #expect(worst < 1e-6)
    }

    @Test("even-sized kernels (centre ⌊k/2⌋) match the naive twin in every mode", arguments: BoundaryMode.allCases)
    func evenKernels(mode: BoundaryMode) throws {
        // 23 + 4 − 1 = 26 is not a fast size (pads to 27); 21 + 4 − 1 = 24 is (no slack row).
        for (h, w) in [(23, 31), (21, 25)] {
            let x = randomImage(channels: 2, height: h, width: w, seed: 1)
            let k = randomImage(channels: 1, height: 4, width: 6, seed: 3)
            #expect((try convolve(x, kernel: k, boundary: mode)).maxAbsDifference(naiveConvolve(x, k, mode)) < 2e-5,
                    "\(h)×\(w), \(mode)")
            let y = randomImage(channels: 2, height: h, width: w, seed: 77)
            let lhs = dot(try convolve(x, kernel: k, boundary: mode), y)
            let rhs = dot(x, try convolveAdjoint(y, kernel: k, boundary: mode))
            #expect(abs(lhs - rhs) / abs(lhs) < 1e-5, "adjoint \(h)×\(w), \(mode)")
        }
    }

    @Test("a kernel larger than the image works with zero and replicate borders too",
          arguments: [BoundaryMode.zero, .replicate, .reflect])
    func largeKernel(mode: BoundaryMode) throws {
        let x = randomImage(channels: 1, height: 5, width: 6, seed: 9)
        let k = randomImage(channels: 1, height: 9, width: 11, seed: 8)
        #expect((try convolve(x, kernel: k, boundary: mode)).maxAbsDifference(naiveConvolve(x, k, mode)) < 2e-5)
    }

    @Test("valid convolution equals MATLAB conv2(f, k, 'valid') computed naively")
    func validIsConv2() throws {
        let x = randomImage(channels: 2, height: 23, width: 31, seed: 1)
        let k = randomImage(channels: 1, height: 5, width: 7, seed: 2)
        let v = try convolveValid(x, kernel: k)
        #expect(v.height == 19 && v.width == 25)
        #expect(v.maxAbsDifference(naiveValid(x, k)) < 2e-5)
        let even = randomImage(channels: 1, height: 4, width: 6, seed: 3)
        #expect((try convolveValid(x, kernel: even)).maxAbsDifference(naiveValid(x, even)) < 2e-5)
    }

    @Test("plans are created once per shape and shared by concurrent tasks")
    func concurrentPlans() async {
        let sizes = [(33, 35), (33, 35), (34, 36), (33, 35), (34, 36), (17, 19), (17, 19), (33, 35)]
        let worst = await withTaskGroup(of: Float.self) { group in
            for (i, (h, w)) in sizes.enumerated() {
                group.addTask {
                    let fft = RealFFT2D.plan(height: h, width: w)
                    let x = randomImage(channels: 1, height: h, width: w, seed: UInt64(i))
                    let real = RealBuffer(count: fft.realCount), back = RealBuffer(count: fft.realCount)
                    for j in 0 ..< fft.realCount { real.pointer[j] = x.pixels[j] }
                    let spectrum = ComplexBuffer(count: fft.spectrumCount)
                    fft.forward(real, spectrum)
                    fft.inverse(spectrum, back)
                    return (0 ..< fft.realCount).map { abs(back.pointer[$0] - x.pixels[$0]) }.max()!
                }
            }
            var worst: Float = 0
            for await e in group { worst = max(worst, e) }
            return worst
        }
        #expect(worst <= 1e-5)
        #expect(RealFFT2D.plan(height: 33, width: 35).forwardPlan == RealFFT2D.plan(height: 33, width: 35).forwardPlan)
    }
}
