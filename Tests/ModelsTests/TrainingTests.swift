import Blur
import Datasets
import ImageIO
import Foundation
import ImageCore
import Models
import NN
import Tensors
import Testing
@testable import Training

func tinyConfiguration(epochs: Int) -> TrainingConfiguration {
    var c = TrainingConfiguration(model: "unet")
    c.modelConfiguration = ["levels": "2", "width": "4"]
    c.blur = "gaussian"
    c.patch = 24
    c.batch = 2
    c.epochs = epochs
    c.stepsPerEpoch = 3
    c.validationPatches = 2
    c.learningRate = 3e-3
    c.seed = 11
    return c
}

func tinyImages() -> [TrainingImage] {
    (0 ..< 3).map { TrainingImage(scene: "s\($0)", sharp: syntheticImage(width: 96, height: 90, seed: UInt64(20 + $0))) }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-train-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct PatchTests {
    @Test func patchesHaveThePatchSizeAndAreReproducible() throws {
        let sampler = try PatchSampler(images: tinyImages(), patch: 24, psfSampler: .mixed, noise: 0 ... 0.02)
        var a = SeededRNG(seed: 5), b = SeededRNG(seed: 5)
        for _ in 0 ..< 6 {
            let p = try sampler.sample(&a), q = try sampler.sample(&b)
            #expect(p.blurred.width == 24 && p.blurred.height == 24 && p.sharp.width == 24 && p.sharp.height == 24)
            #expect(p.blurred.pixels == q.blurred.pixels && p.sharp.pixels == q.sharp.pixels)
        }
    }

    @Test("dead-leaves patches: blurred and sharp have the patch size; a zero fraction changes nothing")
    func syntheticScenePatches() throws {
        let images = tinyImages()
        var prng = SeededRNG(seed: 1)
        let leaves = DeadLeaves(palette: DeadLeaves.palette(from: images.map(\.sharp), count: 64, rng: &prng))
        let all = try PatchSampler(images: images, patch: 24, psfSampler: .mixed, noise: 0 ... 0, scenes: leaves, syntheticFraction: 1)
        let none = try PatchSampler(images: images, patch: 24, psfSampler: .mixed, noise: 0 ... 0, scenes: leaves, syntheticFraction: 0)
        let plain = try PatchSampler(images: images, patch: 24, psfSampler: .mixed, noise: 0 ... 0)
        var a = SeededRNG(seed: 5), b = SeededRNG(seed: 5), c = SeededRNG(seed: 5)
        for _ in 0 ..< 4 {
            let p = try all.sample(&a)
            #expect(p.blurred.width == 24 && p.blurred.height == 24 && p.sharp.width == 24 && p.sharp.height == 24)
            // The sharp patch is a scene, not a crop of a training image: no 24×24 window of theirs matches it.
            #expect(!images.contains { img in img.sharp.pixels.contains(p.sharp.pixels[0]) && img.sharp.pixels.contains(p.sharp.pixels[100]) })
            let q = try none.sample(&b), r = try plain.sample(&c)
            #expect(q.blurred.pixels == r.blurred.pixels && q.sharp.pixels == r.sharp.pixels)
        }
    }

    @Test func orientationMatchesANaiveRotation() {
        let img = syntheticImage(width: 5, height: 3, channels: 2)
        #expect(img.oriented(flip: false, turns: 4).pixels == img.pixels)
        #expect(img.oriented(flip: true, turns: 0).oriented(flip: true, turns: 0).pixels == img.pixels)
        let r = img.oriented(flip: false, turns: 1)
        #expect(r.width == 3 && r.height == 5)
        // Counter-clockwise: the top-right pixel moves to the top-left.
        for c in 0 ..< 2 {
            #expect(r.pixels[(c * 5 + 0) * 3 + 0] == img.pixels[(c * 3 + 0) * 5 + 4])
            #expect(r.pixels[(c * 5 + 4) * 3 + 2] == img.pixels[(c * 3 + 2) * 5 + 0])
        }
    }

    @Test func tooSmallImagesAreANamedError() {
        let small = [TrainingImage(scene: "x", sharp: syntheticImage(width: 40, height: 40))]
        #expect(throws: TrainingError.self) { try PatchSampler(images: small, patch: 32, psfSampler: .mixed, noise: 0 ... 0) }
    }
}

@Suite(.serialized) struct TrainerTests {
    @Test func aFewStepsOnATinyModelReduceTheLoss() throws {
        // The (narrow) paper autoencoder starts far from the target (sigmoid outputs ≈ 0.5), so a
        // working backward pass and optimiser must cut the loss quickly.
        let network = PaperAutoencoder(width: 4, seed: 1)
        let sampler = try PatchSampler(images: tinyImages(), patch: 24, psfSampler: PSFSampler(name: "gaussian")!, noise: 0 ... 0)
        var rng = SeededRNG(seed: 2)
        let (input, target) = try sampler.batch(4, &rng)
        let optimizer = Adam(parameters: network.parameters, learningRate: 1e-2)
        func loss() -> Double { Double(mseLoss(network(Variable(input)), target: target).value[0]) }
        let before = loss()
        for _ in 0 ..< 40 {
            let tape = Tape()
            let l = mseLoss(network(tape.input(input)), target: target)
            optimizer.zeroGrad()
            tape.backward(from: l)
            optimizer.step()
        }
        #expect(loss() < 0.5 * before, "loss \(before) → \(loss())")
    }

    @Test func resumingAfterTwoEpochsEqualsFourUninterruptedEpochs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = tinyImages()
        let straight = try Trainer(configuration: tinyConfiguration(epochs: 4), train: images, validation: images,
                                   out: dir.appendingPathComponent("a.safetensors"), resume: false)
        straight.log = { _ in }
        try straight.run()

        let first = try Trainer(configuration: tinyConfiguration(epochs: 2), train: images, validation: images,
                                out: dir.appendingPathComponent("b.safetensors"), resume: false)
        first.log = { _ in }
        #expect(try first.run() == 2)
        let resumed = try Trainer(configuration: tinyConfiguration(epochs: 4), train: images, validation: images,
                                  out: dir.appendingPathComponent("b.safetensors"), resume: true)
        resumed.log = { _ in }
        #expect(resumed.state.completedEpochs == 2)
        #expect(try resumed.run() == 2)

        // Same batches, same optimiser state: losses agree to float rounding (tolerance 1e-5 relative).
        #expect(straight.state.history.count == 4 && resumed.state.history.count == 4)
        for (a, b) in zip(straight.state.history, resumed.state.history) {
            #expect(abs(a.trainLoss - b.trainLoss) <= 1e-5 * abs(a.trainLoss), "epoch \(a.epoch): \(a.trainLoss) vs \(b.trainLoss)")
            #expect(abs(a.validationPSNR - b.validationPSNR) <= 1e-3)
            #expect(a.learningRate == b.learningRate)
        }
        let wa = straight.network.parameters.map(\.value), wb = resumed.network.parameters.map(\.value)
        let diff = zip(wa, wb).map { $0.maxAbsDifference($1) }.max()!
        #expect(diff < 1e-5)

        // Files: best, last, curves (header + 4 rows).
        for name in ["b.safetensors", "b.last.safetensors", "b.curves.csv", "b.curves.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name)")
        }
        let csv = try String(contentsOf: dir.appendingPathComponent("b.curves.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 5)
        let svg = try String(contentsOf: dir.appendingPathComponent("b.curves.svg"), encoding: .utf8)
        #expect(svg.contains("blurred input") && !svg.contains("noisy input"))
        let best = try Checkpoint.load(dir.appendingPathComponent("b.safetensors"), expecting: "unet")
        #expect(best.metadata["epoch"] == String(resumed.state.bestEpoch!))
    }

    @Test("BF16 moments: a smaller resume file whose resumed run stays within a stated tolerance of the exact one")
    func compactMomentsResume() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = tinyImages()
        var config = tinyConfiguration(epochs: 4)
        config.stepsPerEpoch = 6
        let straight = try Trainer(configuration: config, train: images, validation: images,
                                   out: dir.appendingPathComponent("a.safetensors"), resume: false)
        straight.log = { _ in }
        try straight.run()

        var firstConfig = config
        firstConfig.epochs = 2
        let first = try Trainer(configuration: firstConfig, train: images, validation: images,
                                out: dir.appendingPathComponent("b.safetensors"), resume: false)
        first.log = { _ in }
        first.momentDType = .bf16
        try first.run()
        let saved = try SafeTensorsFile(contentsOf: first.lastURL)
        let moments = saved.names.filter { Trainer.isMoment($0) }
        #expect(moments.count == 2 * first.network.parameters.count)
        #expect(moments.allSatisfy { saved.storedDTypes[$0] == .bf16 })
        #expect(saved.names.filter { !Trainer.isMoment($0) }.allSatisfy { saved.storedDTypes[$0] == .f32 })
        // Same tensors, moments at 2 bytes instead of 4 (the data after the 8-byte length and the JSON header).
        func dataBytes(_ url: URL) throws -> Int {
            let bytes = [UInt8](try Data(contentsOf: url))
            let header = (0 ..< 8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
            return bytes.count - 8 - header
        }
        let momentBytes = first.network.parameters.reduce(0) { $0 + 2 * 2 * $1.value.count }
        #expect(try dataBytes(straight.lastURL) - dataBytes(first.lastURL) == momentBytes)

        let resumed = try Trainer(configuration: config, train: images, validation: images,
                                  out: dir.appendingPathComponent("b.safetensors"), resume: true)
        resumed.log = { _ in }
        #expect(resumed.momentDType == .bf16, "a resumed run keeps its file's moment storage")
        try resumed.run()
        #expect(try SafeTensorsFile(contentsOf: resumed.lastURL).storedDTypes.filter { Trainer.isMoment($0.key) }.allSatisfy { $0.value == .bf16 })
        // Rounded moments (8 significant bits) change each later Adam step slightly, and the runs then
        // drift apart through their gradients: measured 3.7e-4 after the 12 steps that follow the
        // resume (lr 3e-3), against ~1e-6 for an exact (F32) resume. Tolerance: 1e-3, and under a
        // tenth of the distance the exact run's weights travel in those 12 steps.
        let wa = straight.network.parameters.map(\.value), wb = resumed.network.parameters.map(\.value)
        let diff = zip(wa, wb).map { $0.maxAbsDifference($1) }.max()!
        let travelled = zip(wa, first.network.parameters.map(\.value)).map { $0.maxAbsDifference($1) }.max()!
        #expect(diff > 0 && diff < 1e-3 && diff < 0.1 * travelled, "largest weight difference \(diff), travelled \(travelled)")
        let la = straight.state.history.last!.trainLoss, lb = resumed.state.history.last!.trainLoss
        #expect(abs(la - lb) <= 1e-3 * abs(la), "final training loss \(la) vs \(lb)")
    }

    @Test func resumeRefusesDifferentOptionsAndAMissingCheckpoint() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = tinyImages()
        let out = dir.appendingPathComponent("m.safetensors")
        #expect(throws: TrainingError.self) {
            try Trainer(configuration: tinyConfiguration(epochs: 1), train: images, validation: images, out: out, resume: true)
        }
        let t = try Trainer(configuration: tinyConfiguration(epochs: 1), train: images, validation: images, out: out, resume: false)
        t.log = { _ in }
        try t.run()
        var other = tinyConfiguration(epochs: 2)
        other.learningRate = 1e-4
        #expect(throws: TrainingError.self) {
            try Trainer(configuration: other, train: images, validation: images, out: out, resume: true)
        }
    }

    @Test func badOptionsAreRejectedBeforeTraining() {
        var c = tinyConfiguration(epochs: 1)
        c.blur = "wobble"
        #expect(throws: TrainingError.self) {
            try Trainer(configuration: c, train: tinyImages(), validation: tinyImages(), out: URL(fileURLWithPath: "/tmp/x.safetensors"), resume: false)
        }
        // (tinyConfiguration trains a deblurring network: gray and zoomed patches are denoising options.)
        for bad in [{ (c: inout TrainingConfiguration) in c.syntheticScenes = 1.5 }, { $0.validationPatches = 0 }, { $0.plateauPatience = 0 },
                    { $0.grayPatches = 0.2 }, { $0.zoomPatches = 0.3 }] {
            var c = tinyConfiguration(epochs: 1)
            bad(&c)
            #expect(throws: TrainingError.self) {
                try Trainer(configuration: c, train: tinyImages(), validation: tinyImages(), out: URL(fileURLWithPath: "/tmp/x.safetensors"), resume: false)
            }
        }
    }

    @Test("a configuration saved before --synthetic-scenes existed still decodes (as photographs only), and resuming with scenes is refused")
    func configurationWithoutSyntheticScenes() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(tinyConfiguration(epochs: 1))) as! [String: Any]
        json["syntheticScenes"] = nil
        let old = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.syntheticScenes == nil && old == tinyConfiguration(epochs: 1))
        var withScenes = old
        withScenes.syntheticScenes = 0.5
        #expect(!withScenes.isResumable(as: old))
    }
}

@Suite struct RealPairTests {
    func pairedFolder() throws -> URL {
        let dir = try temporaryDirectory()
        for sub in ["blurred", "sharp"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for i in 0 ..< 5 {
            let sharp = syntheticImage(width: 120, height: 100, seed: UInt64(60 + i))
            // A "real" blur: a 3-tap horizontal box, so the pair stays pixel-aligned.
            var blurred = sharp
            for c in 0 ..< 3 {
                for y in 0 ..< 100 {
                    for x in 1 ..< 119 {
                        let row = (c * 100 + y) * 120
                        blurred.pixels[row + x] = (sharp.pixels[row + x - 1] + sharp.pixels[row + x] + sharp.pixels[row + x + 1]) / 3
                    }
                }
            }
            try writeImage(sharp, to: dir.appendingPathComponent("sharp/scene\(i).png").path)
            try writeImage(blurred.clamped(), to: dir.appendingPathComponent("blurred/scene\(i).png").path)
        }
        return dir
    }

    @Test func realPairsTrainOnTheDatasetsOwnAlignedBlur() throws {
        let dir = try pairedFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = tinyConfiguration(epochs: 1)
        c.realPairs = true
        let dataset = try loadDataset(at: dir.path)
        #expect(dataset.layout == .pairedFolders)
        let (train, validation) = try TrainingData.load(dataset, configuration: c)
        #expect(!train.isEmpty && !validation.isEmpty)
        #expect(train.allSatisfy { $0.blurred != nil })
        #expect(Set(train.map(\.scene)).isDisjoint(with: Set(validation.map(\.scene))))
        let sampler = try PatchSampler(images: train, patch: 24, psfSampler: .mixed, noise: 0 ... 0)
        var rng = SeededRNG(seed: 1)
        let pair = try sampler.sample(&rng)
        // The patch pair is the same window of both images: re-blurring the sharp patch's interior
        // with the 3-tap box reproduces the blurred patch there.
        for y in 0 ..< 24 {
            for x in 1 ..< 23 {
                let i = y * 24 + x
                let box = (pair.sharp.pixels[i - 1] + pair.sharp.pixels[i] + pair.sharp.pixels[i + 1]) / 3
                let boxV = y > 0 && y < 23 ? (pair.sharp.pixels[i - 24] + pair.sharp.pixels[i] + pair.sharp.pixels[i + 24]) / 3 : box
                #expect(min(abs(box - pair.blurred.pixels[i]), abs(boxV - pair.blurred.pixels[i])) < 3 / 255)
            }
        }
        let trainer = try Trainer(configuration: c, train: train, validation: validation,
                                  out: dir.appendingPathComponent("m.safetensors"), resume: false)
        trainer.log = { _ in }
        #expect(try trainer.run() == 1)
    }

    @Test func realPairsNeedADatasetWithBlurredImages() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeImage(syntheticImage(width: 64, height: 64), to: dir.appendingPathComponent("a.png").path)
        try writeImage(syntheticImage(width: 64, height: 64, seed: 2), to: dir.appendingPathComponent("b.png").path)
        var c = tinyConfiguration(epochs: 1)
        c.realPairs = true
        #expect(throws: TrainingError.self) { try TrainingData.load(try loadDataset(at: dir.path), configuration: c) }
    }
}
