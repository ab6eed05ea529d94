import Blur
import Deconvolution
import Foundation
import ImageCore
import Metrics
import Restoration
import Testing

@Suite("Method registry")
struct RegistryTests {
    @Test("built-in methods in report order: the input, classical, learned; names are unique and well formed")
    func order() throws {
        let names = MethodRegistry.names
        #expect(Array(names.prefix(11)) == ["blurred", "wiener", "wiener-spectral", "tikhonov", "rl", "rl-damped", "rl-tv", "rl-accel", "landweber",
                                             "hyper-laplacian", "tv-admm"])
        #expect(Set(names).count == names.count)
        for n in ["autoencoder", "unet", "resnet"] { #expect(MethodRegistry.learnedNames.contains(n)) }
        let families = MethodRegistry.entries.map(\.family)
        #expect(families == families.sorted { ["input", "classical", "learned"].firstIndex(of: $0.rawValue)! < ["input", "classical", "learned"].firstIndex(of: $1.rawValue)! })
        #expect(MethodRegistry.entries.filter { $0.family == .classical }.allSatisfy { $0.needsPSF })
        // The blind networks take no PSF; plug-and-play keeps the physics and needs one.
        for n in ["autoencoder", "unet", "resnet"] { #expect(try !MethodRegistry.entry(n).needsPSF) }
        for n in ["pnp", "pnp-denoiser"] { #expect(try MethodRegistry.entry(n).needsPSF) }
    }

    @Test("a registry method with explicit defaults restores exactly as the library call it wraps")
    func defaultsMatchLibrary() throws {
        var img = Image(channels: 1, height: 33, width: 29)
        for i in img.pixels.indices { img.pixels[i] = Float((i * 7919) % 101) / 100 }
        let psf = try PSF.parse("gaussian:1.2")
        let viaRegistry = try MethodRegistry.entry("rl-tv").make().restore(img, psf: psf)
        let direct = try richardsonLucy(img, psf: psf, iterations: 30, variant: .totalVariation(weight: 0.002), border: .reflect)
        #expect(viaRegistry.pixels == direct.pixels)
        let withIterations = try MethodRegistry.entry("rl").make(settings: ["iterations": "5"]).restore(img, psf: psf)
        let wrongDefault = try MethodRegistry.entry("rl").make().restore(img, psf: psf)
        #expect(withIterations.pixels != wrongDefault.pixels)
    }

    @Test("plain RL's defaults: a flat start and round(0.18/σ̂) iterations within 5…50; tau stops by the discrepancy principle")
    func plainRLDefaults() throws {
        #expect(RichardsonLucyMethod.plainIterations(noiseSigma: 0.01) == 18)
        #expect(RichardsonLucyMethod.plainIterations(noiseSigma: 0.02) == 9)
        #expect(RichardsonLucyMethod.plainIterations(noiseSigma: 0) == 46)      // σ̂ floored at 1/255
        #expect(RichardsonLucyMethod.plainIterations(noiseSigma: 0.5) == 5)
        var img = Image(channels: 1, height: 33, width: 29)
        for i in img.pixels.indices { img.pixels[i] = Float((i * 7919) % 101) / 100 }
        let psf = try PSF.parse("gaussian:1.2")
        let sigma = estimateNoiseSigma(img)
        let n = RichardsonLucyMethod.plainIterations(noiseSigma: sigma)
        let direct = try richardsonLucy(img, psf: psf, iterations: n, start: .constant(0.5), border: .reflect)
        #expect(try MethodRegistry.entry("rl").make().restore(img, psf: psf).pixels == direct.pixels)
        let stopped = try richardsonLucy(img, psf: psf, iterations: 100, start: .constant(0.5), discrepancy: 1.1 * max(sigma, 1.0 / 255))
        #expect(try MethodRegistry.entry("rl").make(settings: ["tau": "1.1"]).restore(img, psf: psf).pixels == stopped.pixels)
        // The other variants keep the observed start and their fixed counts.
        let tv = try richardsonLucy(img, psf: psf, iterations: 30, variant: .totalVariation(weight: 0.002), start: .observed)
        #expect(try MethodRegistry.entry("rl-tv").make().restore(img, psf: psf).pixels == tv.pixels)
        let observed = try MethodRegistry.entry("rl").make(settings: ["start": "observed", "iterations": "\(n)"]).restore(img, psf: psf)
        #expect(observed.pixels != direct.pixels)
    }

    @Test("parameters are parsed by kind and range; every refusal names the method, parameter and value")
    func parameters() throws {
        let rl = try MethodRegistry.entry("rl")
        #expect(try rl.parse(["iterations": "12"]).integer("iterations") == 12)
        #expect(throws: RestorationError.badParameter(method: "rl", name: "iterations", value: "0", reason: "it must lie in 1…10000")) {
            try rl.parse(["iterations": "0"])
        }
        #expect(throws: RestorationError.badParameter(method: "rl", name: "iterations", value: "100000000", reason: "it must lie in 1…10000")) {
            try rl.parse(["iterations": "100000000"])
        }
        #expect(throws: RestorationError.unknownParameter(method: "rl", name: "nsr", known: ["iterations", "tau", "start", "stop-tolerance", "border"])) {
            try rl.parse(["nsr": "0.1"])
        }
        let wiener = try MethodRegistry.entry("wiener")
        for bad in ["0x10", "nan", "inf", "-1", "1e9", ""] {
            #expect(throws: RestorationError.self) { try wiener.parse(["nsr": bad]) }
        }
        #expect(try wiener.parse(["nsr": "1e-3"]).real("nsr") == 0.001)
        #expect(throws: RestorationError.badParameter(method: "wiener", name: "border", value: "wrap", reason: "choose one of taper, reflect, none, zero")) {
            try wiener.parse(["border": "wrap"])
        }
        let message = RestorationError.badParameter(method: "rl", name: "iterations", value: "0", reason: "it must lie in 1…10000").localizedDescription
        #expect(message == "rl: iterations=0 is refused: it must lie in 1…10000")
    }

    @Test("the summary (a comparison's identity of a method) is today's text with defaults and names the values otherwise")
    func summaries() throws {
        #expect(try MethodRegistry.entry("wiener").make().summary == "Wiener filter, NSR estimated (σ̂ + 0.01), reflect border")
        #expect(try MethodRegistry.entry("rl-accel").make().summary == "Biggs–Andrews accelerated RL, 10 iterations (≈ 30 plain)")
        #expect(try MethodRegistry.entry("rl").make(settings: ["iterations": "50"]).summary
            == "Richardson–Lucy from a flat start, round(0.18/σ̂) iterations (5…50), reflect border; settings: iterations=50")
    }

    @Test("unknown names, empty selections and duplicate registrations are named errors")
    func unknown() throws {
        #expect(throws: RestorationError.unknownMethod("magic", known: MethodRegistry.names)) { try MethodRegistry.entry("magic") }
        #expect(throws: RestorationError.self) { try MethodSelection(parsing: " , ") }
        #expect(throws: RestorationError.unknownMethod("magic", known: MethodRegistry.names)) {
            try MethodRegistry.resolve(.named(["wiener", "magic"]))
        }
        #expect(throws: RestorationError.duplicateMethod("wiener")) {
            try MethodRegistry.register(MethodEntry(name: "wiener", label: "W", family: .classical, needsPSF: true, help: "") { _ in BlurredInput() })
        }
        // The input row is always part of a selection, in registry order whatever the typed order.
        #expect(try MethodRegistry.resolve(.named(["rl", "wiener"])).map(\.name) == ["blurred", "wiener", "rl"])
    }

    @Test("a classical method without a PSF is a named error, not a crash")
    func needsPSF() throws {
        let img = Image(channels: 1, height: 8, width: 8)
        #expect(throws: RestorationError.needsPSF(method: "wiener")) { try MethodRegistry.entry("wiener").make().restore(img, psf: nil) }
    }
}

@Suite("One scoring path")
struct ScoringPathTests {
    @Test("values outside [0, 1] are clipped and counted; the in-range image is untouched")
    func clipping() throws {
        var img = Image(channels: 1, height: 2, width: 3)
        img.pixels = [-0.5, 0, 0.25, 1, 1.5, 0.75]
        let c = try ClippedRestoration(img, method: "m")
        #expect(c.clippedValues == 2)
        #expect(c.image.pixels == [0, 0, 0.25, 1, 1, 0.75])
        #expect(c.originalRange == -0.5 ... 1.5)
        #expect(abs(c.clippedFraction - 2.0 / 6) < 1e-12)
        #expect(c.note?.hasPrefix("clipped 2 of 6 values") == true)
        img.pixels = [0, 0.1, 0.2, 0.3, 0.4, 0.5]
        let clean = try ClippedRestoration(img, method: "m")
        #expect(clean.clippedValues == 0 && clean.note == nil && clean.image.pixels == img.pixels)
    }

    @Test("NaN or infinite values are an error naming the method and the count")
    func nonFinite() throws {
        var img = Image(channels: 1, height: 1, width: 4)
        img.pixels = [0.5, .nan, .infinity, 0.1]
        #expect(throws: RestorationError.nonFinite(method: "rl", count: 2)) { try ClippedRestoration(img, method: "rl") }
    }

    @Test("scores are those of the clipped image")
    func scores() throws {
        var ref = Image(channels: 1, height: 4, width: 4)
        for i in ref.pixels.indices { ref.pixels[i] = Float(i) / 15 }
        var test = ref
        test.pixels[0] = -1   // clipped to 0 = the reference value
        let s = try ClippedRestoration(test, method: "m").scores(against: ref, metrics: [PSNR()])
        #expect(s["psnr"] == .infinity)
    }
}
