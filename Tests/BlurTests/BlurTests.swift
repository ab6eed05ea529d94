import Foundation
import ImageCore
import Spectral
import Testing
@testable import Blur

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

@Suite("PSF generators")
struct PSFTests {
    @Test("every family sums to 1, is non-negative, odd-sized and centred",
          arguments: ["gaussian:2", "gaussian:0.5", "disk:5", "disk:1.5", "motion:15,30", "motion:7,135", "motion:20,-40", "shake:7", "shake:123,25"])
    func invariants(spec: String) throws {
        let psf = try PSF.parse(spec)
        #expect(abs(psf.weights.sum - 1) < 1e-5)
        #expect(psf.weights.pixels.allSatisfy { $0 >= 0 })
        #expect(psf.height % 2 == 1 && psf.width % 2 == 1)
        // Centroid within one pixel of the centre.
        var cy = 0.0, cx = 0.0
        for y in 0 ..< psf.height { for x in 0 ..< psf.width {
            cy += Double(psf.weights[0, y, x]) * Double(y); cx += Double(psf.weights[0, y, x]) * Double(x)
        } }
        #expect(abs(cy - Double(psf.height / 2)) <= 1 && abs(cx - Double(psf.width / 2)) <= 1)
    }

    @Test("motion:9,0 is a horizontal 1×9 line of 1/9; motion:9,90 is vertical")
    func motionLines() throws {
        let h = try PSF.parse("motion:9,0")
        #expect(h.height == 1 && h.width == 9)
        #expect(h.weights.pixels.allSatisfy { abs($0 - 1 / 9) < 1e-6 })
        let v = try PSF.parse("motion:9,90")
        #expect(v.height == 9 && v.width == 1)
        #expect(v.weights.pixels.allSatisfy { abs($0 - 1 / 9) < 1e-6 })
    }

    @Test("motion at 45° runs from bottom-left to top-right (counter-clockwise, rows grow downwards)")
    func motionDiagonal() throws {
        let p = try PSF.parse("motion:11,45")
        let n = p.height - 1
        #expect(p.weights[0, n, 0] > 0 && p.weights[0, 0, n] > 0)
        #expect(p.weights[0, 0, 0] == 0 && p.weights[0, n, n] == 0)
    }

    @Test("disk weights equal GNU Octave's fspecial('disk', r) (exact pixel coverage)")
    func diskReference() throws {
        struct Reference: Decodable {
            struct Kernel: Decodable { let radius: Double; let size: Int; let weights: [Double] }
            let tool: String
            let kernels: [Kernel]
        }
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtures.appendingPathComponent("disk_reference.json")))
        #expect(ref.tool.contains("Octave"))
        for k in ref.kernels {
            let ours = try PSF.disk(radius: k.radius)
            #expect(ours.height == k.size && ours.width == k.size, "radius \(k.radius)")
            let worst = zip(ours.weights.pixels, k.weights).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 2e-6, "radius \(k.radius): largest difference \(worst)")
        }
    }

    @Test("gaussian weights follow exp(−r²/2σ²) on a (2⌈3σ⌉+1)² grid")
    func gaussianShape() throws {
        let g = try PSF.gaussian(sigma: 1.5)
        #expect(g.height == 11)
        let ratio = Double(g.weights[0, 5, 6] / g.weights[0, 5, 5])
        #expect(abs(ratio - exp(-1 / (2 * 2.25))) < 1e-6)
    }

    @Test("shake kernels are reproducible from their seed and differ between seeds")
    func shakeSeeds() throws {
        let a = try PSF.parse("shake:42"), b = try PSF.parse("shake:42"), c = try PSF.parse("shake:43")
        #expect(a == b)
        #expect(a.weights != c.weights)
        #expect(a.spec == "shake:42")
    }

    @Test("spec strings round-trip through kind.spec")
    func specRoundTrip() throws {
        for spec in ["gaussian:2.5", "disk:4", "motion:15,30", "shake:9"] {
            #expect(try PSF.parse(spec).spec == spec)
        }
    }

    @Test("bad specs and bad weights give named errors", arguments: [
        "gaussian:-1", "disk:0", "motion:15", "motion:0,10", "motion:a,3", "shake:-2", "gaussian", "nonsense-kernel.png",
    ])
    func badSpecs(spec: String) {
        #expect(throws: BlurError.self) { try PSF.parse(spec) }
    }

    @Test("weights with NaN, negatives, zero sum, even size or colour are refused")
    func badWeights() {
        var w = Image(channels: 1, height: 3, width: 3, value: 1)
        w.pixels[4] = .nan
        #expect(throws: BlurError.psfNonFinite(count: 1)) { try PSF(weights: w) }
        w.pixels[4] = -1
        #expect(throws: BlurError.psfNegative(count: 1, minimum: -1)) { try PSF(weights: w) }
        #expect(throws: BlurError.psfZeroSum) { try PSF(weights: Image(channels: 1, height: 3, width: 3)) }
        #expect(throws: BlurError.psfEvenSize(width: 4, height: 3)) { try PSF(weights: Image(channels: 1, height: 3, width: 4, value: 1)) }
        #expect(throws: BlurError.psfChannels(3)) { try PSF(weights: Image(channels: 3, height: 3, width: 3, value: 1)) }
    }

    @Test("the mixed sampler is seeded and draws every family")
    func sampler() throws {
        var r1 = SeededRNG(seed: 5), r2 = SeededRNG(seed: 5)
        let a = try (0 ..< 40).map { _ in try PSFSampler.mixed.sample(&r1) }
        let b = try (0 ..< 40).map { _ in try PSFSampler.mixed.sample(&r2) }
        #expect(a.map(\.spec) == b.map(\.spec))
        #expect(Set(a.map(\.kind.name)) == ["disk", "motion", "shake", "gaussian"])
        #expect(try a.allSatisfy { try PSF.parse($0.spec) == $0 })
    }

    @Test("a list of families draws only those (a held-out family never appears); malformed lists are refused")
    func samplerFamilyList() throws {
        let sampler = try #require(PSFSampler(name: "defocus,gaussian,motion"))
        #expect(sampler.families == [.defocus, .gaussian, .motion])
        var rng = SeededRNG(seed: 9)
        let kinds = Set(try (0 ..< 60).map { _ in try sampler.sample(&rng).kind.name })
        #expect(kinds == ["disk", "gaussian", "motion"])
        #expect(PSFSampler(name: "shake")?.families == [.shake])
        for bad in ["defocus,,motion", "motion,motion", "defocus,blur", "", "mixed,shake", "Motion"] {
            #expect(PSFSampler(name: bad) == nil, "'\(bad)' must be refused")
        }
    }
}

@Suite("Synthetic degradation")
struct DegradationTests {
    @Test("a bright pixel at one border does not appear at the opposite border")
    func noWrapAround() throws {
        var src = Image(channels: 1, height: 64, width: 64)
        for y in 0 ..< 64 { src[0, y, 63] = 1 }   // bright right edge
        let psf = try PSF.parse("motion:15,0")
        let opts = DegradationOptions(noiseSigma: 0, quantize: false)
        for boundary in DegradationBoundary.allCases {
            var o = opts
            o.boundary = boundary
            let d = try degrade(src, psf: psf, options: o, seed: 1)
            let leak = (0 ..< d.blurred.height).map { max(abs(d.blurred[0, $0, 0]), abs(d.blurred[0, $0, 3])) }.max()!
            #expect(leak < 1e-5, "\(boundary): \(leak) leaked to the left border")
        }
        // The circular convolution that deconvolution assumes would wrap it around:
        let circular = try convolve(src, kernel: psf.weights, boundary: .periodic)
        #expect(circular[0, 10, 0] > 0.05)
    }

    @Test("valid mode crops the sharp target to the fully covered centre, aligned with the blur")
    func validAlignment() throws {
        var rng = SeededRNG(seed: 2)
        var src = Image(channels: 3, height: 40, width: 50)
        for i in src.pixels.indices { src.pixels[i] = Float(rng.uniform()) }
        var delta = Image(channels: 1, height: 7, width: 5)
        delta[0, 3, 2] = 1
        let d = try degrade(src, psf: try PSF(weights: delta), options: DegradationOptions(noiseSigma: 0, quantize: false), seed: 0)
        #expect(d.sharp.height == 34 && d.sharp.width == 46)
        #expect(zip(d.sharp.pixels, d.blurred.pixels).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("measured noise σ is within 10% of the request, and the same seed repeats bit for bit",
          arguments: [0.01, 0.05])
    func noiseLevel(sigma: Double) throws {
        let src = Image(channels: 1, height: 200, width: 200, value: 0.5)
        let psf = try PSF.parse("disk:3")
        let d = try degrade(src, psf: psf, options: DegradationOptions(noiseSigma: sigma, quantize: false), seed: 3)
        let n = Double(d.blurred.pixels.count)
        let mean = d.blurred.sum / n
        let variance = d.blurred.pixels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        #expect(abs(variance.squareRoot() - sigma) / sigma < 0.1)
        let again = try degrade(src, psf: psf, options: DegradationOptions(noiseSigma: sigma, quantize: false), seed: 3)
        #expect(again.blurred == d.blurred)
        let other = try degrade(src, psf: psf, options: DegradationOptions(noiseSigma: sigma, quantize: false), seed: 4)
        #expect(other.blurred != d.blurred)
    }

    @Test("quantisation leaves only multiples of 1/255 in [0, 1]; Poisson noise scales with the signal")
    func quantiseAndPoisson() throws {
        let src = Image(channels: 1, height: 120, width: 120, value: 0.25)
        let d = try degrade(src, psf: try PSF.parse("gaussian:1"), options: DegradationOptions(noiseSigma: 0.02, poissonPeak: 100), seed: 5)
        #expect(d.blurred.pixels.allSatisfy { v in v >= 0 && v <= 1 && abs(v * 255 - (v * 255).rounded()) < 1e-3 })
        let p = try degrade(src, psf: try PSF.parse("gaussian:1"), options: DegradationOptions(noiseSigma: 0, poissonPeak: 100, quantize: false), seed: 6)
        let n = Double(p.blurred.pixels.count), mean = p.blurred.sum / n
        let sd = (p.blurred.pixels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
        #expect(abs(mean - 0.25) < 0.005)
        #expect(abs(sd - (0.25 / 100).squareRoot()) / (0.25 / 100).squareRoot() < 0.1)   // √(λ)/peak
    }

    @Test("too-small images and bad noise settings are refused")
    func refusals() throws {
        let psf = try PSF.parse("disk:5")
        #expect(throws: BlurError.imageTooSmall(width: 8, height: 8, psfWidth: 11, psfHeight: 11)) {
            try degrade(Image(channels: 1, height: 8, width: 8), psf: psf, seed: 0)
        }
        #expect(throws: BlurError.self) {
            try degrade(Image(channels: 1, height: 40, width: 40), psf: psf, options: DegradationOptions(noiseSigma: -1), seed: 0)
        }
    }
}
