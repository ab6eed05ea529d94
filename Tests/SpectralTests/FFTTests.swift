import Foundation
import Testing
import ImageCore
@testable import Spectral

@Suite("Real 2-D FFT")
struct FFTTests {
    @Test("forward then inverse returns the input within 1e-5", arguments: [(37, 51), (64, 48), (1, 9), (30, 1)])
    func roundTrip(height: Int, width: Int) {
        let img = randomImage(channels: 1, height: height, width: width, seed: 11)
        let fft = RealFFT2D(height: height, width: width)
        let back = fft.inverse(fft.forward(RealPlane(img))).image
        #expect(maxAbsDifference(img, back) <= 1e-5)
    }

    @Test("forward matches a naive DFT (unnormalised, r2c half-spectrum layout) on an odd size")
    func matchesDFT() {
        let img = randomImage(channels: 1, height: 7, width: 9, seed: 5)
        let spectrum = RealFFT2D(height: 7, width: 9).forward(RealPlane(img))
        let reference = naiveDFT(img)
        #expect(spectrum.complexWidth == 5 && spectrum.count == reference.count)
        var worst = 0.0
        for u in 0 ..< 7 {
            for v in 0 ..< 5 {
                let (re, im) = spectrum[u, v]
                let r = reference[u * 5 + v]
                worst = max(worst, abs(Double(re) - r.re), abs(Double(im) - r.im))
            }
        }
        #expect(worst < 1e-4)
        // DC term is the plain sum.
        #expect(abs(Double(spectrum[0, 0].re) - img.sum) < 1e-4)
    }

    @Test("inverse(_:) leaves its spectrum intact; inverse(destroying:) reuses memory")
    func inverseForms() {
        let img = randomImage(channels: 1, height: 12, width: 10, seed: 2)
        let fft = RealFFT2D(height: 12, width: 10)
        let spectrum = fft.forward(RealPlane(img))
        let copy = spectrum
        _ = fft.inverse(spectrum)
        var same = true
        for u in 0 ..< 12 { for v in 0 ..< 6 where spectrum[u, v] != copy[u, v] { same = false } }
        #expect(same)
        var scratch = spectrum
        var out = RealPlane(height: 12, width: 10)
        fft.inverse(destroying: &scratch, into: &out)
        #expect(maxAbsDifference(out.image, img) <= 1e-5)
        // Value semantics: destroying the scratch copy did not touch `spectrum`.
        #expect(abs(spectrum[0, 0].re - Float(img.sum)) < 1e-3)
    }

    @Test("fast sizes are the smallest 7-smooth numbers not below n")
    func fastSizes() {
        #expect(fastFFTSize(1) == 1)
        #expect(fastFFTSize(11) == 12)
        #expect(fastFFTSize(13) == 14)
        #expect(fastFFTSize(97) == 98)
        #expect(fastFFTSize(121) == 125)
        #expect(fastFFTSize(1054) == 1080)
        #expect(fastFFTSize(1024) == 1024)
        func smooth(_ n: Int) -> Bool {
            var m = n
            for p in [2, 3, 5, 7] { while m % p == 0 { m /= p } }
            return m == 1
        }
        var allMinimal = true
        for n in 1 ... 1500 {
            let f = fastFFTSize(n)
            if !(smooth(f) && f >= n && (n ..< f).allSatisfy({ !smooth($0) })) { allMinimal = false }
        }
        #expect(allMinimal)
        let shape = paddedFFTShape(imageHeight: 512, imageWidth: 500, kernelHeight: 31, kernelWidth: 31)
        #expect(shape.height == 560 && shape.width == 540)
    }

    @Test("plans are shared between threads and created once per shape and direction")
    func concurrentPlans() async {
        let sizes = [(33, 35), (33, 35), (34, 36), (33, 35), (34, 36), (17, 19), (17, 19), (33, 35)]
        let worst = await withTaskGroup(of: Float.self) { group in
            for (i, (h, w)) in sizes.enumerated() {
                group.addTask {
                    let img = randomImage(channels: 1, height: h, width: w, seed: UInt64(i))
                    let fft = RealFFT2D(height: h, width: w)
                    return maxAbsDifference(fft.inverse(fft.forward(RealPlane(img))).image, img)
                }
            }
            var worst: Float = 0
            for await e in group { worst = max(worst, e) }
            return worst
        }
        #expect(worst <= 1e-5)
        let a = PlanCache.shared.plan(height: 33, width: 35, direction: .forward)
        let b = PlanCache.shared.plan(height: 33, width: 35, direction: .forward)
        let c = PlanCache.shared.plan(height: 33, width: 35, direction: .inverse)
        #expect(a.pointer == b.pointer && a.pointer != c.pointer)
    }

    @Test("spectrum products: multiply, conjugate multiply and setProduct agree with complex arithmetic")
    func spectrumArithmetic() {
        var a = Spectrum(height: 2, width: 2), b = Spectrum(height: 2, width: 2)
        a[0, 0] = (1, 2); b[0, 0] = (3, -1)
        a[1, 1] = (-0.5, 4); b[1, 1] = (2, 0.25)
        let ab = a.multiplied(by: b)
        #expect(ab[0, 0] == (5, 5))         // (1+2i)(3−i) = 3 − i + 6i + 2
        #expect(ab[1, 1] == (-2, 7.875))    // (−0.5+4i)(2+0.25i) = −1 − 0.125i + 8i − 1
        let abConj = a.multiplied(by: b, conjugatingOther: true)
        #expect(abConj[0, 0] == (1, 7))     // (1+2i)(3+i) = 3 + i + 6i − 2
        var c = Spectrum(height: 2, width: 2)
        c.setProduct(a, b, conjugatingSecond: true)
        #expect(c[0, 0] == (1, 7) && c[1, 1] == abConj[1, 1])
        #expect(a.squaredMagnitudes() == [5, 0, 0, 16.25])
        var s = a
        s.scale(by: 2)
        #expect(s[0, 0] == (2, 4) && a[0, 0] == (1, 2))
    }
}

@Suite("psfToOTF")
struct OTFTests {
    @Test("a centred delta gives all ones", arguments: [(16, 20), (15, 21)])
    func deltaIsOnes(height: Int, width: Int) throws {
        var delta = Image(channels: 1, height: 5, width: 7)
        delta[0, 2, 3] = 1
        let otf = try psfToOTF(delta, height: height, width: width)
        var worst: Float = 0
        otf.withUnsafeBufferPointer { b in
            for k in 0 ..< otf.count { worst = max(worst, abs(b[2 * k] - 1), abs(b[2 * k + 1])) }
        }
        #expect(worst < 1e-6)
    }

    @Test("a delta one pixel right of centre is the phase ramp exp(−2πi v / W)")
    func shiftedDelta() throws {
        var delta = Image(channels: 1, height: 3, width: 3)
        delta[0, 1, 2] = 1
        let otf = try psfToOTF(delta, height: 8, width: 8)
        for v in 0 ..< 5 {
            let angle = -2 * Double.pi * Double(v) / 8
            #expect(abs(otf[3, v].re - Float(cos(angle))) < 1e-6 && abs(otf[3, v].im - Float(sin(angle))) < 1e-6)
        }
    }

    @Test("a kernel larger than the shape, or with two channels, is rejected")
    func errors() {
        #expect(throws: SpectralError.kernelTooLarge(operation: "psfToOTF", kernelHeight: 9, kernelWidth: 9, height: 8, width: 16)) {
            try psfToOTF(Image(channels: 1, height: 9, width: 9), height: 8, width: 16)
        }
        #expect(throws: SpectralError.kernelChannels(2)) {
            try psfToOTF(Image(channels: 2, height: 3, width: 3), height: 8, width: 8)
        }
    }
}
