import Foundation
import ImageCore
import Testing
@testable import Metrics

/// Reference values from scikit-image 0.26, TensorFlow 2.21, sewar 0.4.10 and the NumPy ST-LPIPS
/// forward pass, written by scripts/reference/make_metrics_fixtures.py (tools and calls recorded in
/// Fixtures/reference.json).
@Suite("Metrics against their reference implementations")
struct ReferenceTests {
    @Test("PSNR equals scikit-image peak_signal_noise_ratio (RGB pooled, luma, 8-pixel crop) within 1e-5 dB",
          arguments: referencePairs)
    func psnrMatches(pair: ReferencePair) throws {
        let (r, t) = try pair.images()
        let all = try PSNR().score(reference: r, test: t)
        let luma = try PSNR(colour: .luma).score(reference: r, test: t)
        let cropped = try PSNR(borderCrop: 8).score(reference: r, test: t)
        #expect(abs(all - pair.values["psnr"]!) <= 1e-5)
        #expect(abs(luma - pair.values["psnr_luma"]!) <= 1e-5)
        #expect(abs(cropped - pair.values["psnr_crop8"]!) <= 1e-5)
    }

    @Test("SSIM equals scikit-image structural_similarity (Gaussian σ=1.5 population; luma; 7×7 uniform sample) within 1e-5",
          arguments: referencePairs)
    func ssimMatches(pair: ReferencePair) throws {
        let (r, t) = try pair.images()
        let gaussian = try SSIM().score(reference: r, test: t)
        let luma = try SSIM(colour: .luma).score(reference: r, test: t)
        let uniform = try SSIM(window: .uniform7).score(reference: r, test: t)
        #expect(abs(gaussian - pair.values["ssim"]!) <= 1e-5)
        #expect(abs(luma - pair.values["ssim_luma"]!) <= 1e-5)
        #expect(abs(uniform - pair.values["ssim_uniform"]!) <= 1e-5)
    }

    @Test("the full SSIM map (borders mirrored as SciPy 'reflect') has scikit-image's full=True mean within 1e-5",
          arguments: referencePairs)
    func ssimMapMatches(pair: ReferencePair) throws {
        let (r, t) = try pair.images()
        let map = try SSIM().map(reference: r, test: t)
        let mean = map.sum / Double(map.pixels.count)
        #expect(abs(mean - pair.values["ssim_full_map_mean"]!) <= 1e-5)
    }

    @Test("MS-SSIM equals tf.image.ssim_multiscale within 1e-5 and its float64 twin within 1e-6",
          arguments: referencePairs)
    func msssimMatches(pair: ReferencePair) throws {
        let (r, t) = try pair.images()
        let value = try MSSSIM().score(reference: r, test: t)
        let luma = try MSSSIM(colour: .luma).score(reference: r, test: t)
        #expect(abs(value - pair.values["ms_ssim"]!) <= 1e-5)
        #expect(abs(value - pair.values["ms_ssim_float64"]!) <= 1e-6)
        #expect(abs(luma - pair.values["ms_ssim_luma"]!) <= 1e-5)
    }

    @Test("VIFp equals sewar 0.4.10 vifp (luma and per-channel) within 1e-4 relative", arguments: referencePairs)
    func vifMatches(pair: ReferencePair) throws {
        let (r, t) = try pair.images()
        let luma = try VIF().score(reference: r, test: t)
        let channels = try VIF(colour: .channels).score(reference: r, test: t)
        #expect(abs(luma / pair.values["vif"]! - 1) <= 1e-4)
        #expect(abs(channels / pair.values["vif_channels"]! - 1) <= 1e-4)
    }
}

@Suite("ST-LPIPS (alex) against the NumPy forward pass")
struct STLPIPSReferenceTests {
    @Test("ST-LPIPS equals the independent NumPy float64 forward pass within 1e-4 relative", arguments: referencePairs)
    func stlpipsMatches(pair: ReferencePair) throws {
        let metric = try loadSTLPIPS()
        let (r, t) = try pair.images()
        let value = try metric.score(reference: r, test: t)
        let expected = pair.values["st_lpips"]!
        #expect(abs(value / expected - 1) <= 1e-4, "ours \(value), NumPy \(expected)")
    }
}
