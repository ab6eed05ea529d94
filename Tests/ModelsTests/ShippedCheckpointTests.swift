import Foundation
import ImageCore
import ImageIO
import Metrics
import Models
import Testing

/// Regression guard for the committed checkpoints: each restores two fixture crops of a test image
/// (never seen in training; `scripts/reference/make_model_fixture.sh`) at least as well as when
/// they were shipped. Pinned = the PSNR measured at shipping, rounded down to 0.1 dB.
@Suite struct ShippedCheckpointTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// (model, blur) → minimum PSNR in dB; the blurred inputs score 27.25 (disk:3) and 26.27 (motion:9,30).
    /// Re-pinned 2026-12-06 when the autoencoder (was 26.5 / 25.7) and the ResNet-style network (was 27.4 /
    /// 27.3) retrained on the larger photograph split were shipped: the new ResNet is 0.1 dB lower on the
    /// motion crop and +0.63 dB better on the 32 cases of the test split; see Baselines/README.md.
    /// Re-measured 2026-12-07 when both runs' best weights after another session were shipped (U-Net epoch 144:
    /// 27.45 / 26.76, pins 27.3 / 26.5 → 27.4 / 26.7; ResNet-style epoch 86: 27.43 / 27.29, pins unchanged).
    /// Re-measured 2026-12-07 06:40 for the autoencoder's identity-start run (epoch 12: 28.06 / 26.81, pins
    /// 26.8 / 26.1 → 28.0 / 26.8 — now above the blurred input on both) and the ResNet-style epoch 101 (27.41 /
    /// 27.32, pins 27.4 / 27.2 → 27.4 / 27.3). Re-measured 2026-12-07 18:42 for the ResNet-style epoch 186
    /// (27.42 / 27.42, pins 27.4 / 27.3 → 27.4 / 27.4).
    static let pinned: [String: [String: Double]] = [
        "autoencoder": ["disk": 28.0, "motion": 26.8],
        "unet": ["disk": 27.4, "motion": 26.7],
        "resnet": ["disk": 27.4, "motion": 27.4],
    ]

    @Test(arguments: ["autoencoder", "unet", "resnet"])
    func shippedCheckpointRestoresTheFixtureAboveItsPinnedPSNR(model: String) throws {
        let weights = Self.root.appendingPathComponent("Baselines/models/\(model).safetensors")
        let (network, meta) = try Checkpoint.load(weights, expecting: model)
        #expect(meta["architecture"] == model)
        for blur in ["disk", "motion"] {
            let blurred = try readImage(at: Self.fixtures.appendingPathComponent("astronaut-crop-\(blur)-blurred.png").path)
            let sharp = try readImage(at: Self.fixtures.appendingPathComponent("astronaut-crop-\(blur)-sharp.png").path)
            let restored = try restore(blurred, with: network).clamped(to: 0 ... 1)
            let psnr = try PSNR().score(reference: sharp, test: restored)
            let floor = try #require(Self.pinned[model]?[blur])
            #expect(psnr >= floor, "\(model) on \(blur): \(psnr) dB < pinned \(floor) dB")
        }
    }
}
