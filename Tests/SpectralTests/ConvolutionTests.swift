import Testing
import ImageCore
@testable import Spectral

@Suite("FFT convolution against a naive direct convolution")
struct ConvolutionTests {
    // Odd sizes; 23×31 goes through padding, 21×15 (7-smooth) through the own-size periodic path.
    static let image = randomImage(channels: 2, height: 23, width: 31, seed: 1)
    static let smooth = randomImage(channels: 1, height: 21, width: 15, seed: 4)
    static let kernel = randomImage(channels: 1, height: 5, width: 7, seed: 2)
    static let evenKernel = randomImage(channels: 1, height: 4, width: 6, seed: 3)

    @Test("same-size convolution, every boundary mode", arguments: BoundaryMode.allCases)
    func sameSize(mode: BoundaryMode) throws {
        for (img, k) in [(Self.image, Self.kernel), (Self.image, Self.evenKernel), (Self.smooth, Self.kernel)] {
            let expected = naiveConvolve(img, k, boundary: mode)
            #expect(maxAbsDifference(try convolve(img, k, boundary: mode), expected) <= 1e-5)
            #expect(maxAbsDifference(try directConvolve(img, k, boundary: mode), expected) <= 1e-5)
        }
    }

    @Test("a kernel larger than the image works for every mode", arguments: BoundaryMode.allCases)
    func largeKernel(mode: BoundaryMode) throws {
        let img = randomImage(channels: 1, height: 5, width: 6, seed: 9)
        let k = randomImage(channels: 1, height: 9, width: 11, seed: 8)
        #expect(maxAbsDifference(try convolve(img, k, boundary: mode), naiveConvolve(img, k, boundary: mode)) <= 1e-5)
    }

    @Test("valid convolution equals conv2(…, 'valid') and is the interior of the same-size result")
    func valid() throws {
        let out = try convolveValid(Self.image, Self.kernel)
        #expect(out.height == 19 && out.width == 25 && out.channels == 2)
        #expect(maxAbsDifference(out, naiveValid(Self.image, Self.kernel)) <= 1e-5)
        let same = try convolve(Self.image, Self.kernel, boundary: .zero)
        #expect(maxAbsDifference(out, try same.cropped(x: 3, y: 2, width: 25, height: 19)) <= 1e-5)
        #expect(throws: SpectralError.kernelTooLarge(operation: "valid convolution", kernelHeight: 23,
                                                     kernelWidth: 31, height: 5, width: 7)) {
            try convolveValid(Self.kernel, Self.image.channel(0))
        }
    }

    @Test("the adjoint satisfies ⟨Hx, y⟩ = ⟨x, Hᵀy⟩ in every mode", arguments: BoundaryMode.allCases)
    func adjoint(mode: BoundaryMode) throws {
        for (x, k) in [(Self.image, Self.kernel), (Self.smooth, Self.kernel), (Self.image, Self.evenKernel)] {
            let y = randomImage(channels: x.channels, height: x.height, width: x.width, seed: 77)
            let lhs = innerProduct(try convolve(x, k, boundary: mode), y)
            let rhs = innerProduct(x, try convolveAdjoint(y, k, boundary: mode))
            #expect(abs(lhs - rhs) / abs(lhs) < 1e-5)
        }
    }

    @Test("the adjoint of valid convolution is full correlation")
    func validAdjoint() throws {
        let y = randomImage(channels: 2, height: 19, width: 25, seed: 31)
        let back = try convolveValidAdjoint(y, Self.kernel)
        #expect(back.height == 23 && back.width == 31)
        let lhs = innerProduct(try convolveValid(Self.image, Self.kernel), y)
        let rhs = innerProduct(Self.image, back)
        #expect(abs(lhs - rhs) / abs(lhs) < 1e-5)
        // Full correlation = valid convolution of the zero-padded input with the 180°-rotated kernel.
        var flipped = Self.kernel
        for i in 0 ..< 5 { for j in 0 ..< 7 { flipped[0, i, j] = Self.kernel[0, 4 - i, 6 - j] } }
        let padded = y.padded(top: 4, bottom: 4, left: 6, right: 6, mode: .zero)
        #expect(maxAbsDifference(back, naiveValid(padded, flipped)) <= 1e-5)
    }

    @Test("convolving with a centred delta returns the image")
    func delta() throws {
        var d = Image(channels: 1, height: 3, width: 3)
        d[0, 1, 1] = 1
        for mode in BoundaryMode.allCases {
            #expect(maxAbsDifference(try convolve(Self.image, d, boundary: mode), Self.image) <= 1e-6)
        }
    }

    @Test("bad kernels raise named errors")
    func badKernels() {
        var nan = Image(channels: 1, height: 3, width: 3)
        nan[0, 0, 0] = .nan
        #expect(throws: SpectralError.nonFinite(what: "convolution kernel")) {
            try convolve(Self.image, nan, boundary: .zero)
        }
        #expect(throws: SpectralError.kernelChannels(3)) {
            try convolve(Self.image, Image(channels: 3, height: 3, width: 3), boundary: .reflect)
        }
    }
}
