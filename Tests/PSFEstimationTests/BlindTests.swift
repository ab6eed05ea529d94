import Blur
import Foundation
import ImageCore
import Spectral
import Testing
@testable import PSFEstimation

@Suite struct BlindEstimatorTests {
    /// A seeded camera shake on a small dead-leaves image (kept small for debug builds).
    @Test func recoversCameraShake() throws {
        let truth = try PSF.shake(seed: 5, length: 12)
        let data = try blurredCase(truth, side: 128, seed: 21)
        let size = truth.width + 2 + (truth.width % 2 == 0 ? 1 : 0)
        let estimate = try estimatePSF(data.blurred, model: .blind, kernelSize: size)
        #expect(estimate.model == .blind)
        #expect(estimate.psf.width == size && estimate.psf.height == size)
        #expect(estimate.psf.weights.pixels.allSatisfy { $0 >= 0 })
        #expect(abs(estimate.psf.weights.sum - 1) < 1e-4)
        let ncc = kernelNCC(estimate.psf, truth)
        #expect(ncc >= 0.8, "kernel NCC \(ncc)")
        let ratio = try errorRatio(sharp: data.sharp, blurred: data.blurred, truePSF: truth, estimatedPSF: estimate.psf)
        #expect(ratio.ratio <= 3, "error ratio \(ratio.ratio)")
        #expect(estimate.confidence > 0 && estimate.confidence <= 1)
    }

    /// A faint copy of the case above (contrast × 0.3 about the mean, then re-quantised with the same
    /// noise): at λ = 4e-3 alone the L0 latent loses the weak edges; the contrast ladder must still
    /// find the kernel.
    @Test func recoversCameraShakeOnAFaintImage() throws {
        let truth = try PSF.shake(seed: 5, length: 12)
        var source = deadLeaves(width: 128 + truth.width - 1, height: 128 + truth.height - 1, seed: 21)
        let mean = Float(source.sum / Double(source.pixels.count))
        for i in source.pixels.indices { source.pixels[i] = mean + 0.3 * (source.pixels[i] - mean) }
        let data = try degrade(source, psf: truth, options: DegradationOptions(noiseSigma: 0.01), seed: 21)
        let size = truth.width + 2 + (truth.width % 2 == 0 ? 1 : 0)
        let estimate = try estimatePSF(data.blurred, model: .blind, kernelSize: size)
        let ncc = kernelNCC(estimate.psf, truth)
        #expect(ncc >= 0.8, "kernel NCC \(ncc)")
        let ratio = try errorRatio(sharp: data.sharp, blurred: data.blurred, truePSF: truth, estimatedPSF: estimate.psf)
        #expect(ratio.ratio <= 3, "error ratio \(ratio.ratio)")
    }

    @Test func boundedLatentStaysInTheBlurredRange() throws {
        let data = try blurredCase(try PSF.shake(seed: 5, length: 12), side: 64, seed: 3)
        let domain = SmoothDomain(data.blurred, pad: 9)
        var kernel = Image(channels: 1, height: 9, width: 9)
        for x in 0 ..< 9 { kernel[0, 4, x] = 1.0 / 9 }   // a wrong (horizontal) kernel makes the latent overshoot
        let lower = domain.values.min()!, upper = domain.values.max()!
        let free = l0Restore(domain: domain, kernel: kernel, lambda: 1e-3)
        #expect(free.min()! < lower || free.max()! > upper, "the test case should overshoot without the bound")
        let bounded = l0Restore(domain: domain, kernel: kernel, lambda: 1e-3, bounded: true)
        #expect(bounded.allSatisfy { $0 >= lower && $0 <= upper })
    }

    @Test func contrastGainsAreValidated() throws {
        let data = try blurredCase(try PSF.shake(seed: 5, length: 12), side: 64, seed: 3)
        for gains in [[], [0.0], [1, -2], [Double.nan]] {
            var options = BlindOptions(kernelSize: 9)
            options.contrastGains = gains
            #expect(throws: PSFEstimationError.self) { try estimateBlindKernel(data.blurred, options: options) }
        }
    }

    @Test func kernelIsCentredOnItsCentroid() {
        var k = Image(channels: 1, height: 7, width: 7)
        k[0, 1, 1] = 1
        k[0, 1, 2] = 1
        k[0, 2, 1] = 1
        let c = cleanKernel(k, threshold: 0.1)
        var cy = 0.0, cx = 0.0
        for y in 0 ..< 7 { for x in 0 ..< 7 { cy += Double(c[0, y, x]) * Double(y); cx += Double(c[0, y, x]) * Double(x) } }
        #expect(abs(cy - 3) <= 0.5 && abs(cx - 3) <= 0.5)
        #expect(abs(c.sum - 1) < 1e-6)
    }

    @Test func cleaningDropsSpecklesAndNegatives() {
        var k = Image(channels: 1, height: 9, width: 9)
        for x in 2 ... 6 { k[0, 4, x] = 1 }
        k[0, 0, 8] = 0.3          // an isolated speckle holding < 10 % of the mass
        k[0, 8, 0] = -0.5         // negative
        k[0, 7, 7] = 0.05         // below 10 % of the peak
        let c = cleanKernel(k, threshold: 0.1)
        #expect(c[0, 0, 8] == 0 && c[0, 8, 0] == 0 && c[0, 7, 7] == 0)
        #expect(abs(c.sum - 1) < 1e-6)
        #expect(abs(c[0, 4, 4] - 0.2) < 1e-6)
    }
}

@Suite struct KernelMetricTests {
    @Test func nccIsOneForShiftedCopiesAndLowerForDifferentShapes() throws {
        let line = try PSF.motion(length: 9, angle: 0)
        var shiftedWeights = Image(channels: 1, height: 3, width: 13)
        for x in 0 ..< 9 { shiftedWeights[0, 1, x + 3] = line.weights[0, 0, x] }   // two pixels right of centre
        let shifted = try PSF(weights: shiftedWeights)
        #expect(abs(kernelNCC(line, shifted) - 1) < 1e-9)
        let vertical = try PSF.motion(length: 9, angle: 90)
        let cross = kernelNCC(line, vertical)
        #expect(cross < 0.2, "\(cross)")
        #expect(abs(kernelNCC(line, vertical) - kernelNCC(vertical, line)) < 1e-12)
    }

    @Test func errorRatioIsOneForTheTrueKernelAndLargeForAWrongOne() throws {
        let truth = try PSF.motion(length: 11, angle: 45)
        let data = try blurredCase(truth, side: 96, seed: 3)
        let same = try errorRatio(sharp: data.sharp, blurred: data.blurred, truePSF: truth, estimatedPSF: truth)
        #expect(abs(same.ratio - 1) < 1e-12)
        let wrong = try errorRatio(sharp: data.sharp, blurred: data.blurred, truePSF: truth, estimatedPSF: try PSF.motion(length: 11, angle: 135))
        #expect(wrong.ratio > 1.5)
        #expect(throws: PSFEstimationError.self) {
            try errorRatio(sharp: data.sharp, blurred: try data.blurred.cropped(x: 0, y: 0, width: 90, height: 96), truePSF: truth, estimatedPSF: truth)
        }
    }
}

/// The error ratio's alignment (Levin et al.'s: ±5 px in quarter-pixel steps, bilinear) against a
/// naive twin that tries the whole 41 × 41 grid with its own Double-precision sampler, on odd sizes.
@Suite struct ErrorRatioAlignmentTests {
    func naiveAlignedSSD(_ r: Image, _ x: Image, margin: Int) -> Double {
        var best = Double.infinity
        for qy in -20 ... 20 {
            for qx in -20 ... 20 {
                let sy = Double(qy) / 4, sx = Double(qx) / 4
                var ssd = 0.0
                for row in margin ..< x.height - margin {
                    for col in margin ..< x.width - margin {
                        let py = Double(row) + sy, px = Double(col) + sx
                        let y0 = Int(py.rounded(.down)), x0 = Int(px.rounded(.down))
                        let fy = py - Double(y0), fx = px - Double(x0)
                        func at(_ y: Int, _ x: Int) -> Double { Double(r[0, y, x]) }
                        let v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, min(x0 + 1, r.width - 1)))
                            + fy * ((1 - fx) * at(min(y0 + 1, r.height - 1), x0) + fx * at(min(y0 + 1, r.height - 1), min(x0 + 1, r.width - 1)))
                        let d = v - Double(x[0, row, col])
                        ssd += d * d
                    }
                }
                best = min(best, ssd)
            }
        }
        return best
    }

    @Test(arguments: [(1.75, -2.25), (-4.5, 0.25), (0.0, 3.0)])
    func findsTheSameMinimumAsTheFullGrid(shift: (Double, Double)) throws {
        let sharp = deadLeaves(width: 61, height: 53, seed: 4, minRadius: 4)
        let smooth = try convolve(sharp, kernel: try PSF.gaussian(sigma: 1.5).weights, boundary: .reflect)
        // The "restoration": the image moved by −shift (so shift aligns it back), plus noise.
        var restored = smooth
        var rng = SeededRNG(seed: 7)
        for y in 0 ..< smooth.height {
            for x in 0 ..< smooth.width {
                let py = min(max(Double(y) - shift.1, 0), Double(smooth.height - 1)), px = min(max(Double(x) - shift.0, 0), Double(smooth.width - 1))
                let y0 = min(Int(py), smooth.height - 2), x0 = min(Int(px), smooth.width - 2)
                let fy = Float(py - Double(y0)), fx = Float(px - Double(x0))
                let v = (1 - fy) * ((1 - fx) * smooth[0, y0, x0] + fx * smooth[0, y0, x0 + 1]) + fy * ((1 - fx) * smooth[0, y0 + 1, x0] + fx * smooth[0, y0 + 1, x0 + 1])
                restored[0, y, x] = v + Float(0.002 * rng.normal())
            }
        }
        let fast = alignedSSD(restored, smooth, margin: 15)
        let naive = naiveAlignedSSD(restored, smooth, margin: 15)
        #expect(abs(fast - naive) <= 1e-5 * naive, "\(fast) vs \(naive)")
        // At a whole-pixel shift only the noise is left (31 × 23 pixels × σ²); at a fractional one,
        // also the smoothing of interpolating twice.
        if shift.0 == shift.0.rounded() && shift.1 == shift.1.rounded() { #expect(naive < 1.5 * 31 * 23 * 0.002 * 0.002, "\(naive)") }
        // An unshifted comparison would be far worse.
        #expect(shiftedSSD(restored, smooth, margin: 15, sx: 0, sy: 0) > 10 * naive)
    }
}

/// Bad input: a clear error or a low-confidence result, never a crash.
@Suite struct PSFBadInputTests {
    @Test(arguments: PSFModelKind.allCases)
    func flatImageIsRejected(model: PSFModelKind) {
        let flat = Image(channels: 1, height: 96, width: 96, value: 0.5)
        #expect(throws: PSFEstimationError.flatImage) { try estimatePSF(flat, model: model, kernelSize: 9) }
    }

    @Test(arguments: PSFModelKind.allCases)
    func tinyImageIsRejected(model: PSFModelKind) {
        let tiny = deadLeaves(width: 20, height: 40, seed: 1)
        #expect(throws: PSFEstimationError.imageTooSmall(width: 20, height: 40, minimum: 32)) {
            try estimatePSF(tiny, model: model, kernelSize: 5)
        }
    }

    @Test func blindNeedsRoomForTheKernel() {
        let small = deadLeaves(width: 48, height: 48, seed: 1)
        #expect(throws: PSFEstimationError.imageTooSmall(width: 48, height: 48, minimum: 63)) {
            try estimatePSF(small, model: .blind, kernelSize: 31)
        }
    }

    @Test func nonFiniteAndBadKernelSizesAreRejected() {
        var image = deadLeaves(width: 64, height: 64, seed: 2)
        #expect(throws: PSFEstimationError.invalidKernelSize(2, reason: "the kernel side must be from 3 to 151 pixels")) {
            try estimatePSF(image, model: .blind, kernelSize: 2)
        }
        image.pixels[5] = .nan
        #expect(throws: PSFEstimationError.nonFiniteInput(count: 1)) { try estimatePSF(image, model: .motion) }
    }

    /// Pure noise has no blur structure: the parametric estimators answer with low confidence.
    @Test func noiseGivesLowMotionConfidence() throws {
        var rng = SeededRNG(seed: 4)
        let noise = Image(channels: 1, height: 128, width: 128, pixels: (0 ..< 128 * 128).map { _ in Float(0.5 + 0.1 * rng.normal()) })
        let motion = try estimatePSF(noise, model: .motion)
        let blurred = try estimatePSF(try blurredCase(try PSF.motion(length: 15, angle: 30), side: 128, seed: 4).blurred, model: .motion)
        #expect(motion.confidence < blurred.confidence)
        #expect(motion.confidence < 0.2, "\(motion.confidence)")
    }
}

/// Odd shapes at the size limits: a named error or a finite, normalised estimate — never a trap.
@Suite struct PSFShapeTests {
    @Test(arguments: [(33, 33), (40, 300), (300, 41), (64, 65)])
    func smallAndThinImages(width: Int, height: Int) throws {
        let image = deadLeaves(width: width, height: height, seed: UInt64(width * 1000 + height))
        for model in PSFModelKind.allCases {
            do {
                let estimate = try estimatePSF(image, model: model, kernelSize: model == .blind ? 9 : nil)
                #expect(estimate.confidence >= 0 && estimate.confidence <= 1, "\(model)")
                #expect(abs(estimate.psf.weights.sum - 1) < 1e-4, "\(model)")
                for v in [estimate.length, estimate.angle, estimate.radius, estimate.sigma] { #expect(v?.isFinite ?? true) }
            } catch let error as PSFEstimationError {
                #expect(error.errorDescription?.isEmpty == false)
            }
        }
    }
}
