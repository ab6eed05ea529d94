import Blur
import Datasets
import Foundation
import ImageCore
import ImageIO
import Models
import Tensors

/// One training image: sharp, and for real pairs its aligned blurred twin.
public struct TrainingImage: Sendable {
    public let scene: String
    public let sharp: Image
    public let blurred: Image?

    public init(scene: String, sharp: Image, blurred: Image? = nil) {
        self.scene = scene
        self.sharp = sharp
        self.blurred = blurred
    }
}

/// A pair of equally sized patches: the network's input (`blurred`; for denoising the noisy
/// patch with its σ map as an extra channel) and the target.
public struct PatchPair: Sendable {
    public let blurred: Image
    public let sharp: Image

    /// The degraded image itself (the input without a σ map), for scoring the input.
    public var observed: Image {
        blurred.channels == sharp.channels ? blurred
            : Image(channels: sharp.channels, height: sharp.height, width: sharp.width, pixels: Array(blurred.pixels.prefix(sharp.pixels.count)))
    }
}

/// Draws training pairs on the fly, so the data never runs out: a random image (weighted by area),
/// a random flip and 90° rotation, a random crop and — for synthetic pairs — a fresh PSF from the
/// sampler and fresh noise, applied by `degrade` with valid convolution (no inverse crime; the crop
/// is made larger by the PSF's size so the blurred patch is exactly `patch × patch`).
public struct PatchSampler: Sendable {
    public let images: [TrainingImage]
    public let patch: Int
    public let psfSampler: PSFSampler
    public let noise: ClosedRange<Double>
    public let augment: Bool
    /// Dead-leaves scenes drawn instead of photographs for a `syntheticFraction` of the patches.
    public let scenes: DeadLeaves?
    public let syntheticFraction: Double
    /// Denoising only: the fraction of clean patches turned gray (BT.601 luma in all three channels,
    /// one noise field shared by them), so that the RGB denoiser also learns the gray images it is
    /// given as three identical channels.
    public let grayFraction: Double
    /// Denoising only: the fraction of photograph patches cut from a region 1.5–4× smaller than the
    /// patch (log-uniform) and enlarged to it (bilinear) — the same scenes seen closer, with the large
    /// smooth areas (sky, water, walls) that full-resolution crops of textured photographs rarely have.
    public let zoomFraction: Double
    private let cumulativeArea: [Double]

    public init(images: [TrainingImage], patch: Int, psfSampler: PSFSampler, noise: ClosedRange<Double>, augment: Bool = true,
                scenes: DeadLeaves? = nil, syntheticFraction: Double = 0, grayFraction: Double = 0, zoomFraction: Double = 0) throws {
        guard patch >= 16 else { throw TrainingError.invalidOption("--patch must be at least 16 px, got \(patch)") }
        let usable = images.filter { min($0.sharp.width, $0.sharp.height) >= patch + 64 || ($0.blurred != nil && min($0.sharp.width, $0.sharp.height) >= patch) }
        guard !usable.isEmpty else {
            throw TrainingError.noTrainingData("no training image is large enough for \(patch)-px patches (need ≥ \(patch + 64) px); use a smaller --patch")
        }
        self.images = usable
        self.patch = patch
        self.psfSampler = psfSampler
        self.noise = noise
        self.augment = augment
        self.scenes = syntheticFraction > 0 ? scenes : nil
        self.syntheticFraction = self.scenes == nil ? 0 : syntheticFraction
        self.grayFraction = grayFraction
        self.zoomFraction = zoomFraction
        var acc = 0.0
        cumulativeArea = usable.map { acc += Double($0.sharp.planeSize); return acc }
    }

    /// One pair, entirely determined by `rng`.
    public func sample(_ rng: inout SeededRNG, noiseSigma: Double? = nil) throws -> PatchPair {
        // (No draw at all without synthetic scenes, so photograph-only runs keep their sequences.)
        if let scenes, rng.uniform() < syntheticFraction {
            let psf = try psfSampler.sample(&rng)
            let region = scenes.render(width: patch + psf.width - 1, height: patch + psf.height - 1, rng: &rng)
            let sigma = noiseSigma ?? rng.uniform(in: noise.lowerBound ... max(noise.lowerBound, noise.upperBound))
            let degraded = try degrade(region, psf: psf, options: DegradationOptions(noiseSigma: sigma), seed: rng.next())
            return PatchPair(blurred: degraded.blurred, sharp: degraded.sharp)
        }
        let u = rng.uniform() * cumulativeArea.last!
        let image = images[cumulativeArea.firstIndex { $0 > u } ?? images.count - 1]
        let flip = augment && rng.next() & 1 == 1
        let turns = augment ? Int(rng.next() % 4) : 0
        if let blurred = image.blurred {
            let (x, y) = origin(image.sharp, width: patch, height: patch, &rng)
            let a = try blurred.cropped(x: x, y: y, width: patch, height: patch)
            let b = try image.sharp.cropped(x: x, y: y, width: patch, height: patch)
            return PatchPair(blurred: a.oriented(flip: flip, turns: turns), sharp: b.oriented(flip: flip, turns: turns))
        }
        var psf = try psfSampler.sample(&rng)
        // Large kernels on small images: draw again (bounded) rather than fail.
        var tries = 0
        while (psf.height + patch > image.sharp.height || psf.width + patch > image.sharp.width) && tries < 8 {
            psf = try psfSampler.sample(&rng)
            tries += 1
        }
        let needH = patch + psf.height - 1, needW = patch + psf.width - 1
        // Crop so that after orientation the region is needH × needW.
        let (cw, ch) = turns % 2 == 1 ? (needH, needW) : (needW, needH)
        let (x, y) = origin(image.sharp, width: cw, height: ch, &rng)
        let region = try image.sharp.cropped(x: x, y: y, width: cw, height: ch).oriented(flip: flip, turns: turns)
        let sigma = noiseSigma ?? rng.uniform(in: noise.lowerBound ... max(noise.lowerBound, noise.upperBound))
        let degraded = try degrade(region, psf: psf, options: DegradationOptions(noiseSigma: sigma), seed: rng.next())
        return PatchPair(blurred: degraded.blurred, sharp: degraded.sharp)
    }

    /// A denoising pair, entirely determined by `rng`: a clean crop (a flipped and turned photograph,
    /// or a dead-leaves scene for `syntheticFraction` of the draws), and as input the crop plus
    /// Gaussian noise of σ uniform in `noise` (unclipped, the model `y = x + n` the denoisers assume)
    /// followed by the σ map as a fourth channel. For `grayFraction` of the draws the crop is made gray
    /// (its luma in all three channels) and one noise field is added to all three: how a gray image
    /// reaches the RGB network (`TrainedDenoiser` replicates it), whose noise is not independent per
    /// channel. For `zoomFraction` of the photograph draws the crop is a smaller region enlarged to the
    /// patch. (No draw at all when these fractions are 0, so earlier runs keep their sequences.)
    public func denoisingSample(_ rng: inout SeededRNG, noiseSigma: Double? = nil) throws -> PatchPair {
        var clean: Image
        if let scenes, rng.uniform() < syntheticFraction {
            clean = scenes.render(width: patch, height: patch, rng: &rng)
        } else {
            let u = rng.uniform() * cumulativeArea.last!
            let image = images[cumulativeArea.firstIndex { $0 > u } ?? images.count - 1]
            let flip = augment && rng.next() & 1 == 1
            let turns = augment ? Int(rng.next() % 4) : 0
            if zoomFraction > 0 && rng.uniform() < zoomFraction {
                let side = max(8, Int((Double(patch) / exp(rng.uniform(in: log(1.5) ... log(4)))).rounded()))
                let (x, y) = origin(image.sharp, width: side, height: side, &rng)
                clean = try image.sharp.cropped(x: x, y: y, width: side, height: side)
                    .resized(width: patch, height: patch, method: .bilinear).oriented(flip: flip, turns: turns)
            } else {
                let (x, y) = origin(image.sharp, width: patch, height: patch, &rng)
                clean = try image.sharp.cropped(x: x, y: y, width: patch, height: patch).oriented(flip: flip, turns: turns)
            }
        }
        let gray = grayFraction > 0 && clean.channels == 3 && rng.uniform() < grayFraction
        if gray {
            let y = try clean.luma()
            clean = Image.stacking([y, y, y])
        }
        let sigma = noiseSigma ?? rng.uniform(in: noise.lowerBound ... max(noise.lowerBound, noise.upperBound))
        var noisy = clean
        if gray {
            let plane = noisy.planeSize
            for i in 0 ..< plane {
                let n = Float(sigma * rng.normal())
                for c in 0 ..< 3 { noisy.pixels[c * plane + i] += n }
            }
        } else {
            for i in noisy.pixels.indices { noisy.pixels[i] += Float(sigma * rng.normal()) }
        }
        return PatchPair(blurred: noisy.withNoiseMap(sigma: Float(sigma)), sharp: clean)
    }

    /// A batch of inputs and targets `(N, 3, patch, patch)`: blurred pairs, or for `.denoise`
    /// noisy patches with their σ map (inputs `(N, 4, patch, patch)`).
    public func batch(_ count: Int, _ rng: inout SeededRNG, task: NetworkTask = .deblur) throws -> (input: Tensor, target: Tensor) {
        var pairs: [PatchPair] = []
        for _ in 0 ..< count { pairs.append(task == .denoise ? try denoisingSample(&rng) : try sample(&rng)) }
        return (Tensor(stacking: pairs.map(\.blurred)), Tensor(stacking: pairs.map(\.sharp)))
    }

    private func origin(_ image: Image, width: Int, height: Int, _ rng: inout SeededRNG) -> (Int, Int) {
        let x = Int(rng.next() % UInt64(max(image.width - width + 1, 1)))
        let y = Int(rng.next() % UInt64(max(image.height - height + 1, 1)))
        return (x, y)
    }
}

/// Loading the training and validation images of a dataset.
public enum TrainingData {
    /// Splits `dataset` by scene (the test scenes are dropped), then holds the split's validation scenes
    /// aside (the built-in set's tagged split names them), or else `fraction` of the training scenes (at
    /// least one, when there are two or more).
    public static func load(_ dataset: Dataset, configuration c: TrainingConfiguration,
                            log: (String) -> Void = { _ in }) throws -> (train: [TrainingImage], validation: [TrainingImage]) {
        let split = try SceneSplit(dataset: dataset, seed: c.splitSeed)
        let trainSamples = split.samples(of: dataset, side: .train)
        guard !trainSamples.isEmpty else { throw TrainingError.noTrainingData("\(dataset.root) has no training scenes") }
        if c.realPairs {
            guard dataset.layout.hasRealPairs else {
                throw TrainingError.invalidOption("--pairs real needs a dataset with blurred images; \(dataset.root) is a \(dataset.layout.rawValue) folder")
            }
            if dataset.layout == .kaggle {
                throw TrainingError.invalidOption("the Kaggle triplets are not pixel-aligned (the sharp and blurred shots were taken separately), "
                    + "so a pixel loss on them teaches misregistration; train on their sharp images with synthetic blur (--pairs synthetic)")
            }
        }
        var scenes = Array(Set(trainSamples.map(\.scene))).sorted()
        var rng = SeededRNG(seed: c.splitSeed, stream: 0x7661_6c69_6461_7465)   // "validate"
        for i in stride(from: scenes.count - 1, to: 0, by: -1) {
            scenes.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        let nVal = scenes.count >= 2 ? max(1, Int((Double(scenes.count) * c.validationFraction).rounded())) : 0
        let valScenes = split.validationScenes.isEmpty ? Set(scenes.prefix(nVal)) : split.validationScenes
        var train: [TrainingImage] = [], validation: [TrainingImage] = []
        for s in trainSamples {
            let sharp = try rgb(readImage(at: s.sharpPath))
            let blurred = c.realPairs ? try s.blurredPath.map { try rgb(readImage(at: $0)) } : nil
            if let blurred, blurred.width != sharp.width || blurred.height != sharp.height {
                log("skipping \(s.id): blurred and sharp sizes differ")
                continue
            }
            let item = TrainingImage(scene: s.scene, sharp: sharp, blurred: blurred)
            if valScenes.contains(s.scene) { validation.append(item) } else { train.append(item) }
        }
        if validation.isEmpty { validation = train }
        return (train, validation)
    }

    static func rgb(_ image: Image) throws -> Image {
        if image.channels == 4 || image.channels == 2 {
            let planes = (0 ..< (image.channels == 4 ? 3 : 1)).map { image.channel($0) }
            return try Image.stacking(planes).rgb()
        }
        return try image.rgb()
    }
}
