import Blur
import Foundation
import ImageCore
import ImageIO
import Spectral
import Testing
@testable import Deconvolution

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func loadF32(_ name: String, height: Int, width: Int) throws -> Image {
    let data = try Data(contentsOf: fixtures.appendingPathComponent("\(name).f32"))
    let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    return Image(channels: 1, height: height, width: width, pixels: values)
}

func psnr(_ a: Image, _ b: Image) -> Double {
    let mse = zip(a.pixels, b.pixels).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(a.pixels.count)
    return 10 * log10(1 / mse)
}

@Suite("Against scikit-image 0.26 on its own conventions")
struct ScikitImageTests {
    let psf: PSF
    init() throws { psf = try PSF(weights: try loadF32("psf", height: 5, width: 7)) }

    @Test("Wiener with the identity and with the Laplacian regulariser, border none")
    func wienerMatches() throws {
        let input = try loadF32("wiener_input", height: 64, width: 64)
        let identity = try wiener(input, psf: psf, noiseToSignal: 0.05, regularizer: .identity, border: .none)
        #expect(identity.maxAbsDifference(try loadF32("wiener_identity", height: 64, width: 64)) <= 1e-4)
        let laplacian = try wiener(input, psf: psf, noiseToSignal: 0.01, regularizer: .laplacian, border: .none)
        #expect(laplacian.maxAbsDifference(try loadF32("wiener_laplacian", height: 64, width: 64)) <= 1e-4)
    }

    @Test("Richardson–Lucy with zero padding, starting at 0.5, 10 iterations")
    func richardsonLucyMatches() throws {
        let input = try loadF32("rl_input", height: 64, width: 64)
        let ours = try richardsonLucy(input, psf: psf, iterations: 10, start: .constant(0.5), border: .zero)
        #expect(ours.maxAbsDifference(try loadF32("rl_output", height: 64, width: 64)) <= 1e-4)
    }
}

@Suite("Properties")
struct PropertyTests {
    func randomImage(_ h: Int, _ w: Int, seed: UInt64) -> Image {
        var rng = SeededRNG(seed: seed)
        var img = Image(channels: 1, height: h, width: w)
        for i in img.pixels.indices { img.pixels[i] = Float(rng.uniform(in: 0.1 ... 0.9)) }
        return img
    }

    @Test("a delta PSF with NSR → 0 returns the input, in every border mode", arguments: BorderHandling.allCases)
    func deltaIdentity(border: BorderHandling) throws {
        let x = randomImage(23, 31, seed: 1)
        let out = try wiener(x, psf: .identity, noiseToSignal: 1e-9, border: border)
        #expect(out.maxAbsDifference(x) < 1e-5)
    }

    @Test("RL keeps the total flux within 1e-3 and never goes negative (periodic, normalised PSF)")
    func fluxAndPositivity() throws {
        let x = randomImage(40, 36, seed: 2)
        let psf = try PSF.parse("motion:7,20")
        let y = try convolve(x, kernel: psf.weights, boundary: .periodic)
        for variant in [RichardsonLucyVariant.plain, .accelerated] {
            let out = try richardsonLucy(y, psf: psf, iterations: 15, variant: variant, border: .none)
            #expect(abs(out.sum - y.sum) / y.sum < 1e-3, "\(variant)")
            #expect(out.pixels.allSatisfy { $0 >= 0 }, "\(variant)")
        }
        // Damping deliberately holds back updates where the data already fit: flux is not conserved.
        let damped = try richardsonLucy(y, psf: psf, iterations: 15, variant: .damped(threshold: 0.05), border: .none)
        #expect(damped.pixels.allSatisfy { $0 >= 0 })
        let tv = try richardsonLucy(y, psf: psf, iterations: 15, variant: .totalVariation(weight: 0.002), border: .none)
        #expect(tv.pixels.allSatisfy { $0 >= 0 })
        let lw = try landweber(y, psf: psf, iterations: 20, border: .none)
        #expect(lw.pixels.allSatisfy { $0 >= 0 })
    }

    @Test("RL from any flat start follows the same iterates (the first is Hᵀy), unlike the observed start",
          arguments: [BorderHandling.reflect, .none])
    func flatStartLevelDoesNotMatter(border: BorderHandling) throws {
        let x = randomImage(27, 33, seed: 5)
        let psf = try PSF.parse("motion:7,20")
        let y = try convolve(x, kernel: psf.weights, boundary: .periodic)
        let half = try richardsonLucy(y, psf: psf, iterations: 6, start: .constant(0.5), border: border)
        let dim = try richardsonLucy(y, psf: psf, iterations: 6, start: .constant(0.05), border: border)
        let observed = try richardsonLucy(y, psf: psf, iterations: 6, start: .observed, border: border)
        #expect(half.maxAbsDifference(dim) < 1e-5)
        #expect(half.maxAbsDifference(observed) > 1e-3)
    }

    @Test("the discrepancy stop returns the first iterate whose interior residual is within the bound (a naive residual twin)")
    func discrepancyStop() throws {
        let x = randomImage(31, 37, seed: 6)
        let psf = try PSF.parse("motion:5,30")
        let y = try convolve(x, kernel: psf.weights, boundary: .periodic)
        let margin = max(psf.height, psf.width)
        // Naive twin: the residual RMS of the k-th iterate, re-blurred circularly, on the interior.
        func residual(_ estimate: Image) throws -> Double {
            let reblurred = try convolve(estimate, kernel: psf.weights, boundary: .periodic)
            var sum = 0.0, count = 0
            for r in margin ..< 31 - margin { for c in margin ..< 37 - margin {
                let d = Double(y.pixels[r * 37 + c] - reblurred.pixels[r * 37 + c]); sum += d * d; count += 1
            } }
            return (sum / Double(count)).squareRoot()
        }
        let flat = Image(channels: 1, height: 31, width: 37, value: 0.5)
        var iterates = [flat]
        for k in 1 ... 8 { iterates.append(try richardsonLucy(y, psf: psf, iterations: k, start: .constant(0.5), border: .none)) }
        let residuals = try iterates.map(residual)
        #expect(zip(residuals, residuals.dropFirst()).allSatisfy { $0 > $1 }, "\(residuals)")
        let bound = (residuals[4] + residuals[5]) / 2
        let stopped = try richardsonLucy(y, psf: psf, iterations: 8, start: .constant(0.5), discrepancy: bound, border: .none)
        #expect(stopped.maxAbsDifference(iterates[5]) < 1e-6)
        // A bound the start already meets: no update at all; a bound never met: every iteration.
        let none = try richardsonLucy(y, psf: psf, iterations: 8, start: .constant(0.5), discrepancy: 10, border: .none)
        #expect(none.maxAbsDifference(flat) < 1e-6)
        let all = try richardsonLucy(y, psf: psf, iterations: 8, start: .constant(0.5), discrepancy: 1e-9, border: .none)
        #expect(all.maxAbsDifference(iterates[8]) < 1e-6)
        #expect(throws: DeconvolutionError.self) { try richardsonLucy(y, psf: psf, discrepancy: -1) }
    }

    @Test("⟨Hx, y⟩ = ⟨x, Hᵀy⟩ for the blur operator on every border mode's domain", arguments: BorderHandling.allCases)
    func adjoint(border: BorderHandling) throws {
        let psf = try PSF.parse("motion:9,30")
        let domain = WorkingDomain(imageHeight: 27, imageWidth: 33, psf: psf, border: border)
        let blur = try CirculantBlur(psf: psf, height: domain.height, width: domain.width)
        let x = RealBuffer(count: domain.count), y = RealBuffer(count: domain.count)
        var rng = SeededRNG(seed: 3)
        for i in 0 ..< domain.count { x.pointer[i] = Float(rng.normal()); y.pointer[i] = Float(rng.normal()) }
        let hx = RealBuffer(count: domain.count), hty = RealBuffer(count: domain.count)
        blur.apply(x, into: hx)
        blur.apply(y, into: hty, adjoint: true)
        var lhs = 0.0, rhs = 0.0
        for i in 0 ..< domain.count { lhs += Double(hx.pointer[i] * y.pointer[i]); rhs += Double(x.pointer[i] * hty.pointer[i]) }
        #expect(abs(lhs - rhs) / abs(lhs) < 1e-4)
    }

    @Test("edge taper leaves the centre alone and makes the borders wrap smoothly")
    func taper() throws {
        let x = randomImage(64, 64, seed: 4)
        let psf = try PSF.parse("gaussian:2")
        let t = try edgeTaper(x, psf: psf)
        #expect(abs(t[0, 32, 32] - x[0, 32, 32]) < 1e-6)
        // Row 0 and row 63 are neighbours on the torus: tapering brings them closer.
        func seam(_ img: Image) -> Double { (0 ..< 64).reduce(0.0) { $0 + Double(abs(img[0, 0, $1] - img[0, 63, $1])) } }
        #expect(seam(t) < 0.5 * seam(x))
    }
}

@Suite("Why borders exist — a built-in photo blurred honestly")
struct BorderTests {
    @Test("motion:15,30, σ = 0.01: Wiener with borders beats --border none by ≥ 1 dB; Wiener and RL gain ≥ 3 dB")
    func astronaut() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Data/builtin")
        let path = folder.appendingPathComponent("astronaut.png").path
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("Data/builtin/astronaut.png is missing: run scripts/fetch-data.sh (make test does this)")
            return
        }
        let source = try readImage(at: path)   // RGB, each channel restored separately
        let psf = try PSF.parse("motion:15,30")
        let d = try degrade(source, psf: psf, options: DegradationOptions(noiseSigma: 0.01), seed: 1)
        let blurred = psnr(d.blurred, d.sharp)
        let withBorders = psnr(try wiener(d.blurred, psf: psf), d.sharp)
        let none = psnr(try wiener(d.blurred, psf: psf, border: .none), d.sharp)
        let rl = psnr(try richardsonLucy(d.blurred, psf: psf, iterations: 30), d.sharp)
        #expect(withBorders - none >= 1, "reflect \(withBorders) dB vs none \(none) dB")
        #expect(withBorders - blurred >= 3, "Wiener \(withBorders) dB vs blurred \(blurred) dB")
        #expect(rl - blurred >= 3, "RL \(rl) dB vs blurred \(blurred) dB")
    }
}

@Suite("Bad input")
struct BadInputTests {
    let image = Image(channels: 1, height: 20, width: 20, value: 0.5)

    @Test("a PSF larger than the image")
    func psfTooLarge() throws {
        let big = try PSF.parse("disk:15")
        #expect(throws: DeconvolutionError.psfLargerThanImage(psfWidth: 31, psfHeight: 31, width: 20, height: 20)) {
            try wiener(image, psf: big)
        }
        #expect(throws: DeconvolutionError.self) { try richardsonLucy(image, psf: big) }
    }

    @Test("PSFs with NaN, negative or zero-sum weights are refused when built")
    func badPSF() {
        var w = Image(channels: 1, height: 3, width: 3, value: 0.1)
        w.pixels[0] = .nan
        #expect(throws: BlurError.psfNonFinite(count: 1)) { try PSF(weights: w) }
        w.pixels[0] = -0.2
        #expect(throws: BlurError.self) { try PSF(weights: w) }
        #expect(throws: BlurError.psfZeroSum) { try PSF(weights: Image(channels: 1, height: 3, width: 3)) }
    }

    @Test("iterations ≤ 0, negative NSR, bad λ, step and TV weight, non-finite data")
    func badParameters() throws {
        let psf = try PSF.parse("gaussian:1")
        #expect(throws: DeconvolutionError.invalidIterations(0)) { try richardsonLucy(image, psf: psf, iterations: 0) }
        #expect(throws: DeconvolutionError.invalidIterations(-3)) { try landweber(image, psf: psf, iterations: -3) }
        #expect(throws: DeconvolutionError.invalidNoiseToSignal(-0.1)) { try wiener(image, psf: psf, noiseToSignal: -0.1) }
        #expect(throws: DeconvolutionError.self) { try tikhonov(image, psf: psf, lambda: -1) }
        #expect(throws: DeconvolutionError.self) { try landweber(image, psf: psf, stepSize: 2.5) }
        #expect(throws: DeconvolutionError.self) { try richardsonLucy(image, psf: psf, variant: .totalVariation(weight: 2)) }
        var bad = image
        bad.pixels[5] = .infinity
        #expect(throws: DeconvolutionError.nonFiniteInput(count: 1)) { try wiener(bad, psf: psf) }
    }
}

@Suite("Regulariser spectra")
struct RegularizerTests {
    @Test("closed-form |D|² equals |psfToOTF(D)|² for the Laplacian and the gradient", arguments: [(9, 12), (10, 7)])
    func closedForms(height: Int, width: Int) throws {
        func power(_ kernels: [Image]) throws -> [Float] {
            var total = [Float](repeating: 0, count: height * (width / 2 + 1))
            for k in kernels {
                let otf = try psfToOTF(k, height: height, width: width)
                for i in total.indices { total[i] += otf.floats[2 * i] * otf.floats[2 * i] + otf.floats[2 * i + 1] * otf.floats[2 * i + 1] }
            }
            return total
        }
        let laplacian = try power([Image(channels: 1, height: 3, width: 3, pixels: [0, -1, 0, -1, 4, -1, 0, -1, 0])])
        let gradient = try power([Image(channels: 1, height: 3, width: 3, pixels: [0, 0, 0, 0, -1, 1, 0, 0, 0]),
                                  Image(channels: 1, height: 3, width: 3, pixels: [0, 0, 0, 0, -1, 0, 0, 1, 0])])
        let l = try #require(Regularizer.laplacian.powerSpectrum(height: height, width: width))
        let g = try #require(Regularizer.gradient.powerSpectrum(height: height, width: width))
        #expect(zip(l, laplacian).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(zip(g, gradient).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(Regularizer.identity.powerSpectrum(height: height, width: width) == nil)
    }
}
