import Foundation
import ImageCore
@testable import Models
import NN
import Tensors
import Testing

/// A smooth, seeded test image (sums of sinusoids plus a little noise), values in [0, 1].
func syntheticImage(width: Int, height: Int, channels: Int = 3, seed: UInt64 = 1) -> Image {
    var rng = SeededRNG(seed: seed)
    var img = Image(channels: channels, height: height, width: width)
    let fx = rng.uniform(in: 0.02 ... 0.15), fy = rng.uniform(in: 0.02 ... 0.15)
    for c in 0 ..< channels {
        for y in 0 ..< height {
            for x in 0 ..< width {
                let v = 0.5 + 0.25 * sin(Double(x) * fx + Double(c)) * cos(Double(y) * fy) + 0.05 * rng.normal()
                img.pixels[(c * height + y) * width + x] = Float(min(max(v, 0), 1))
            }
        }
    }
    return img
}

/// Small versions of each architecture (same code paths, few channels) so debug-build tests stay fast.
func smallNetworks() -> [any DeblurNetwork] {
    [PaperAutoencoder(width: 4, seed: 3), UNet(levels: 3, width: 4, seed: 3), ResNetDeblur(width: 4, blocks: 2, seed: 3)]
}

@Suite struct ArchitectureTests {
    @Test func registryBuildsEveryModelWithTheDocumentedParameterCount() throws {
        #expect(try ModelRegistry.make("autoencoder").parameterCount == 1_331_459)   // as Keras counts the paper's model
        // 4-level U-Net, width 24: convs 3·24·9+24 … counted by hand in Models/UNet.swift's layout.
        let unet = try ModelRegistry.make("unet") as! UNet
        #expect(unet.levels == 4 && unet.width == 24)
        #expect(unet.sizeMultiple == 8)
        #expect(try ModelRegistry.make("resnet").sizeMultiple == 4)
        #expect(throws: ModelError.unknownArchitecture("vgg")) { try ModelRegistry.make("vgg") }
    }

    @Test func unetParameterCountMatchesItsLayout() {
        // levels 3, width 4: enc0 3→4, 4→4; enc1 4→8, 8→8; bottom 8→16, 16→16; up0 16→8 (2×2);
        // dec0 16→8, 8→8; up1 8→4; dec1 8→4, 4→4; out 4→3 (1×1).
        func conv(_ i: Int, _ o: Int, _ k: Int = 3) -> Int { i * o * k * k + o }
        let expected = conv(3, 4) + conv(4, 4) + conv(4, 8) + conv(8, 8) + conv(8, 16) + conv(16, 16)
            + conv(16, 8, 2) + conv(16, 8) + conv(8, 8) + conv(8, 4, 2) + conv(8, 4) + conv(4, 4) + conv(4, 3, 1)
        #expect(UNet(levels: 3, width: 4, seed: 0).parameterCount == expected)
    }

    @Test(arguments: [(37, 23, 3), (19, 41, 1), (8, 8, 3), (1, 1, 1)])
    func outputShapeEqualsInputShape(width: Int, height: Int, channels: Int) throws {
        let image = syntheticImage(width: width, height: height, channels: channels)
        for network in smallNetworks() {
            let out = try restore(image, with: network)
            #expect(out.channels == channels && out.width == width && out.height == height, "\(network.architecture)")
            #expect(out.isFinite)
        }
    }

    @Test func residualNetworksStartNearTheIdentity() throws {
        // The output convolutions are initialised small, so an untrained U-Net / ResNet barely changes the input.
        let image = syntheticImage(width: 48, height: 40)
        for network in [UNet(levels: 3, width: 4, seed: 1) as any DeblurNetwork, ResNetDeblur(width: 4, blocks: 1, seed: 1)] {
            let out = try restore(image, with: network)
            let diff = zip(out.pixels, image.pixels).map { abs($0 - $1) }.max()!
            #expect(diff < 0.5, "\(network.architecture) changed a pixel by \(diff)")
        }
    }

    @Test func grayImagesRunThroughTheRGBNetworkAndAverageBack() throws {
        let gray = syntheticImage(width: 24, height: 16, channels: 1)
        let network = UNet(levels: 3, width: 4, seed: 2)
        let viaGray = try restore(gray, with: network)
        let viaRGB = try restore(try gray.rgb(), with: network)
        let n = viaGray.planeSize
        for i in 0 ..< n {
            let mean = (viaRGB.pixels[i] + viaRGB.pixels[n + i] + viaRGB.pixels[2 * n + i]) / 3
            #expect(abs(viaGray.pixels[i] - mean) < 1e-6)
        }
    }

    @Test func unsupportedInputsGiveNamedErrors() throws {
        let network = UNet(levels: 3, width: 4, seed: 2)
        #expect(throws: ModelError.unsupportedChannels(2)) {
            try restore(Image(channels: 2, height: 8, width: 8), with: network)
        }
        #expect(throws: ModelError.self) {
            try restore(syntheticImage(width: 8, height: 8), with: network, tiling: TilingOptions(tile: 0))
        }
    }
}

@Suite struct TilingTests {
    @Test func tiledInferenceEqualsUntiledOn300x200() throws {
        let image = syntheticImage(width: 300, height: 200, seed: 7)
        for network in smallNetworks() {
            let whole = try restore(image, with: network, tiling: TilingOptions(tile: 1024))
            let tiled = try restore(image, with: network, tiling: TilingOptions(tile: 64, overlap: 16))
            let diff = zip(whole.pixels, tiled.pixels).map { abs($0 - $1) }.max()!
            #expect(diff <= 1e-4, "\(network.architecture): tiled and untiled differ by \(diff)")
        }
    }

    @Test func tilesCoverTheImageAlignedToTheMultiple() {
        for (length, tile, overlap, m) in [(300, 64, 16, 8), (64, 64, 16, 8), (65, 64, 0, 1), (1000, 512, 32, 4)] {
            let starts = tileStarts(length: length, tile: tile, overlap: overlap, multiple: m)
            #expect(starts.first == 0)
            #expect(starts.last! + min(tile, length) == length)
            #expect(starts.allSatisfy { $0 % m == 0 || $0 == length - tile })
            for (a, b) in zip(starts, starts.dropFirst()) { #expect(b > a && b - a <= tile - overlap) }
        }
    }

    @Test func blendWeightsArePositiveAndComplementaryAcrossAnOverlap() {
        let w = ramp(length: 64, overlap: 16, rampStart: true, rampEnd: true)
        #expect(w.allSatisfy { $0 > 0 && $0 <= 1 })
        // The falling edge of one tile and the rising edge of the next sum to 1 (raised cosine).
        for i in 0 ..< 16 { #expect(abs(w[64 - 16 + i] + w[i] - 1) < 1e-6) }
        #expect(ramp(length: 10, overlap: 4, rampStart: false, rampEnd: false) == [Float](repeating: 1, count: 10))
    }
}

@Suite struct CheckpointTests {
    func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("deblur-models-\(UUID().uuidString)-\(name)")
    }

    @Test func roundTripGivesIdenticalOutputs() throws {
        let image = syntheticImage(width: 40, height: 33)
        for network in smallNetworks() {
            let url = temporary("\(network.architecture).safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            try network.saveCheckpoint(to: url, metadata: ["seed": "3"], dtype: .f32)
            let (loaded, meta) = try Checkpoint.load(url, expecting: network.architecture)
            #expect(meta["seed"] == "3" && meta[CheckpointKey.architecture] == network.architecture)
            // The weights come back bit for bit …
            let saved = network.stateDict(), restored = loaded.stateDict()
            #expect(saved.keys.sorted() == restored.keys.sorted())
            for (name, t) in saved { #expect(t == restored[name]!, "\(network.architecture).\(name)") }
            // … so the outputs agree; not always bit for bit, because other tests running in this
            // process change OpenBLAS's thread count, which may change sgemm's summation order.
            let a = try restore(image, with: network), b = try restore(image, with: loaded)
            let diff = zip(a.pixels, b.pixels).map { abs($0 - $1) }.max()!
            #expect(diff <= 1e-5, "\(network.architecture): outputs differ by \(diff)")
        }
    }

    @Test func halfPrecisionCheckpointStaysClose() throws {
        let network = UNet(levels: 3, width: 4, seed: 5)
        let url = temporary("unet16.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try network.saveCheckpoint(to: url)
        let loaded = try Checkpoint.load(url).network
        let image = syntheticImage(width: 32, height: 32)
        let diff = zip(try restore(image, with: network).pixels, try restore(image, with: loaded).pixels).map { abs($0 - $1) }.max()!
        #expect(diff < 2e-3)
    }

    @Test func mismatchedAndCorruptCheckpointsRaiseNamedErrors() throws {
        let url = temporary("unet.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try UNet(levels: 3, width: 4, seed: 0).saveCheckpoint(to: url)
        #expect(throws: ModelError.architectureMismatch(file: url.path, expected: "resnet", found: "unet")) {
            try Checkpoint.load(url, expecting: "resnet")
        }
        // Weights of the right architecture but other shapes (a different width claimed in the header).
        let file = try SafeTensorsFile(contentsOf: url)
        var forged = file
        forged.metadata[CheckpointKey.configuration] = "{\"levels\":\"3\",\"width\":\"8\"}"
        let forgedURL = temporary("forged.safetensors")
        defer { try? FileManager.default.removeItem(at: forgedURL) }
        try forged.write(to: forgedURL)
        #expect(throws: NNError.self) { try Checkpoint.load(forgedURL) }

        let corrupt = temporary("corrupt.safetensors")
        defer { try? FileManager.default.removeItem(at: corrupt) }
        try Data("not a checkpoint at all".utf8).write(to: corrupt)
        #expect(throws: ModelError.self) { try Checkpoint.load(corrupt) }
        do { _ = try Checkpoint.load(corrupt) } catch {
            #expect(error.localizedDescription.contains(corrupt.path))
        }

        let plain = temporary("plain.safetensors")
        defer { try? FileManager.default.removeItem(at: plain) }
        try SafeTensorsFile(tensors: ["w": Tensor(shape: [2], scalars: [1, 2])]).write(to: plain)
        #expect(throws: ModelError.notACheckpoint(file: plain.path, reason: "its header names no architecture")) {
            try Checkpoint.load(plain)
        }
    }

    @Test func missingShippedWeightsNameTheSearchedPlaces() {
        #expect(throws: ModelError.self) { try Checkpoint.loadShipped("unet", weights: "/nonexistent/unet.safetensors") }
        #expect(throws: ModelError.unknownArchitecture("gan")) { try Checkpoint.loadShipped("gan") }
    }
}
