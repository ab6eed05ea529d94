import Blur
import Foundation
import ImageCore
import ImageIO
import Metrics
import Models
import Restoration
import Testing

/// The `pnp` registry methods: their entries, the named errors, and that the learned prior beats
/// the classical filters with the same PSF on a real photograph crop (valid blur, no inverse crime).
@Suite("Plug-and-play methods")
struct PlugAndPlayMethodTests {
    static let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/astronaut-crop-disk-sharp.png")

    @Test("pnp and pnp-denoiser are learned methods that need the PSF; only pnp offers the prior choice")
    func entries() throws {
        let pnp = try MethodRegistry.entry("pnp"), own = try MethodRegistry.entry("pnp-denoiser")
        #expect(pnp.family == .learned && pnp.needsPSF && own.family == .learned && own.needsPSF)
        #expect(pnp.parameter("prior")?.kind == .choice(["ffdnet", "denoiser"]))
        #expect(own.parameter("prior") == nil)
        #expect(pnp.parameter("iterations")?.defaultValue == .integer(8))
        #expect(throws: RestorationError.self) { try pnp.make(settings: ["prior": "bm3d"]) }
        #expect(throws: RestorationError.self) { try pnp.make(settings: ["iterations": "0"]) }
        #expect(throws: RestorationError.needsPSF(method: "pnp")) { try pnp.make().restore(Image(channels: 1, height: 8, width: 8), psf: nil) }
    }

    @Test("colour= chooses how colour images reach the prior (each prior's own by default), the summary names it, a wrong value is refused; gray images take the gray network either way")
    func colourParameter() throws {
        let pnp = try MethodRegistry.entry("pnp"), own = try MethodRegistry.entry("pnp-denoiser")
        #expect(pnp.parameter("colour")?.kind == .choice(["joint", "opponent"]) && own.parameter("colour")?.kind == .choice(["joint", "opponent"]))
        #expect(!(try pnp.make().summary.contains("opponent")))
        #expect(try own.make().summary.contains("colour images denoised as opponent components"))
        let opponent = try own.make(), joint = try own.make(settings: ["colour": "joint"])
        #expect(!joint.summary.contains("opponent components") && joint.summary.contains("colour=joint"))
        #expect(throws: RestorationError.self) { try own.make(settings: ["colour": "lab"]) }
        let sharp = try readImage(at: Self.photo.path).cropped(x: 0, y: 0, width: 64, height: 64)
        let psf = try PSF.parse("gaussian:1.2")
        let d = try degrade(sharp, psf: psf, options: DegradationOptions(noiseSigma: 0.01), seed: 1)
        let a = try opponent.restore(d.blurred, psf: psf), b = try joint.restore(d.blurred, psf: psf)
        #expect(a.maxAbsDifference(b) > 1e-3, "the two colour paths agree to \(a.maxAbsDifference(b))")
        let gray = try d.blurred.luma()
        #expect(try opponent.restore(gray, psf: psf).maxAbsDifference(try joint.restore(gray, psf: psf)) <= 1e-5)
    }

    @Test("an estimated PSF (marked by the registry's estimator) raises pnp's noise level by its kernel-error; a known one does not")
    func kernelErrorOnlyForEstimates() throws {
        let pnp = try MethodRegistry.entry("pnp")
        #expect(pnp.parameter("kernel-error")?.defaultValue == .real(0.02))
        let known = try PSF.parse("gaussian:1.2")
        #expect(!known.isEstimate && known.markedAsEstimate.isEstimate && known.markedAsEstimate.weights == known.weights)
        // The registry's estimator marks what it returns.
        let sharp = try readImage(at: Self.photo.path).luma()
        let d = try degrade(sharp, psf: known, options: DegradationOptions(noiseSigma: 0.01), seed: 3)
        #expect(try MethodRegistry.defaultEstimator.estimate(d.blurred).isEstimate)
        // With kernel-error 0 an estimate restores as a known PSF; with the default it differs.
        // "As" up to rounding, not bit for bit: the FFDNet prior runs through OpenBLAS, whose process-wide
        // thread count other tests running in parallel change, and with it sgemm's split of the work and
        // the rounding at the block edges (seen once in CI: `c == a` false).
        let zero = try pnp.make(settings: ["kernel-error": "0"]), standard = try pnp.make()
        let a = try zero.restore(d.blurred, psf: known), b = try zero.restore(d.blurred, psf: known.markedAsEstimate)
        #expect(a.maxAbsDifference(b) <= 1e-5)
        let c = try standard.restore(d.blurred, psf: known), e = try standard.restore(d.blurred, psf: known.markedAsEstimate)
        #expect(c.maxAbsDifference(a) <= 1e-5)
        #expect(e.maxAbsDifference(c) > 1e-3, "the default kernel-error changed the estimate's restoration by only \(e.maxAbsDifference(c))")
        #expect(standard.summary.contains("kernel-error"))
    }

    /// Measured with `deblur restore` when written (gaussian:1.6, σ = 0.01, the 162² fixture, valid blur
    /// → 152²): wiener 29.58 dB, rl-tv 31.10, pnp (ffdnet) 32.34 in colour; gray +0.63 dB over the better. Pinned: ≥ 0.5 dB.
    /// (On its 100² top-left corner pnp loses, 26.0 against 28.0: bright background just outside the
    /// right edge is reconstructed as period-2 column ringing that the 2×2-unshuffling prior does not
    /// remove — the closing note of issue 21 records it.)
    @Test("pnp with FFDNet beats wiener and rl-tv by ≥ 0.5 dB on a blurred photograph crop, in colour and gray")
    func beatsClassicalWithTheSamePSF() throws {
        let sharp = try readImage(at: Self.photo.path)
        let psf = try PSF.parse("gaussian:1.6")
        for image in [sharp, try sharp.luma()] {
            let d = try degrade(image, psf: psf, options: DegradationOptions(noiseSigma: 0.01), seed: 5)
            func score(_ method: String) throws -> Double {
                try psnr(reference: d.sharp, test: try MethodRegistry.entry(method).make().restore(d.blurred, psf: psf).clamped())
            }
            let pnp = try score("pnp"), wiener = try score("wiener"), rltv = try score("rl-tv")
            #expect(pnp >= max(wiener, rltv) + 0.5, "\(image.channels) channels: pnp \(pnp), wiener \(wiener), rl-tv \(rltv)")
        }
    }
}
