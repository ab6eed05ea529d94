import Foundation
import Testing
@testable import Datasets
import Blur
import ImageCore
import ImageIO

/// Builds a throw-away folder tree of empty files (the loaders only look at names).
func makeTree(_ files: [String]) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("ds-\(UInt64.random(in: 0 ... .max))")
    for f in files {
        let url = root.appendingPathComponent(f)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: url.path, contents: Data())
    }
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    return root
}

@Suite("Dataset layouts")
struct LayoutTests {
    @Test("a plain folder of images: one scene per file, other files ignored")
    func sharpFolder() throws {
        let root = try makeTree(["a.png", "b.JPG", "c.jpeg", "notes.txt", ".hidden.png"])
        let ds = try loadDataset(at: root.path)
        #expect(ds.layout == .sharpFolder)
        #expect(ds.samples.map(\.id) == ["a", "b", "c"])
        #expect(ds.samples.allSatisfy { $0.blurredPath == nil && $0.scene == $0.id })
    }

    @Test("Kaggle: mixed-case extensions pair by ID_CAMERA, kinds are named, misalignment warned")
    func kaggle() throws {
        let root = try makeTree([
            "sharp/0_IPHONE-SE_S.JPG", "sharp/1_CANON_S.jpg",
            "defocused_blurred/0_IPHONE-SE_F.JPG", "defocused_blurred/1_CANON_F.jpg",
            "motion_blurred/0_IPHONE-SE_M.jpg", "motion_blurred/1_CANON_M.JPG",
        ])
        let ds = try loadDataset(at: root.path)
        #expect(ds.layout == .kaggle)
        #expect(ds.samples.count == 4)
        #expect(Set(ds.scenes) == ["0_IPHONE-SE", "1_CANON"])
        let m = try #require(ds.samples.first { $0.id == "1_CANON_M" })
        #expect(m.blurKind == "motion")
        #expect(m.sharpPath.hasSuffix("sharp/1_CANON_S.jpg"))
        #expect(ds.warnings.count == 1 && ds.warnings[0].contains("not pixel-aligned"))
    }

    @Test("Kaggle: a blurred photo without its sharp partner is named in the error")
    func kaggleUnpaired() throws {
        let root = try makeTree(["sharp/0_A_S.jpg", "motion_blurred/0_A_M.jpg", "motion_blurred/7_B_M.jpg"])
        #expect(throws: DatasetError.unpaired(path: root.path, names: ["motion_blurred/7_B_M"])) {
            try loadDataset(at: root.path)
        }
    }

    @Test("good_frames + bad_frames: frames of one video share a scene")
    func goodBad() throws {
        let root = try makeTree(["good_frames/walk_001.png", "good_frames/walk_002.png", "good_frames/cat-7.png",
                                 "bad_frames/walk_001.png", "bad_frames/walk_002.png", "bad_frames/cat-7.png"])
        let ds = try loadDataset(at: root.path)
        #expect(ds.layout == .goodBadFrames)
        #expect(ds.samples.map(\.scene) == ["cat", "walk", "walk"])
    }

    @Test("GoPro: sequences under train/ and test/ become scenes")
    func gopro() throws {
        let root = try makeTree(["train/GOPR0372_07_00/blur/000047.png", "train/GOPR0372_07_00/sharp/000047.png",
                                 "train/GOPR0372_07_00/blur/000048.png", "train/GOPR0372_07_00/sharp/000048.png",
                                 "test/GOPR0384_11_00/blur/000001.png", "test/GOPR0384_11_00/sharp/000001.png"])
        let ds = try loadDataset(at: root.path)
        #expect(ds.layout == .gopro)
        #expect(ds.samples.count == 3)
        #expect(ds.scenes == ["test/GOPR0384_11_00", "train/GOPR0372_07_00"])
    }

    @Test("blurred/ + sharp/ pairs by name")
    func paired() throws {
        let root = try makeTree(["sharp/x.png", "sharp/y.png", "blurred/x.png", "blurred/y.jpg"])
        let ds = try loadDataset(at: root.path)
        #expect(ds.layout == .pairedFolders)
        #expect(ds.samples.map(\.id) == ["x", "y"])
        #expect(ds.samples[1].blurredPath?.hasSuffix("blurred/y.jpg") == true)
    }

    @Test("missing, file, empty and unrecognised folders give named errors")
    func badPaths() throws {
        #expect(throws: DatasetError.notFound(path: "/no/such/folder")) { try loadDataset(at: "/no/such/folder") }
        let root = try makeTree(["file.png", "empty/", "odd/sub/readme.txt"])
        #expect(throws: DatasetError.notADirectory(path: root.appendingPathComponent("file.png").path)) {
            try loadDataset(at: root.appendingPathComponent("file.png").path)
        }
        let empty = root.appendingPathComponent("emptydir")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: DatasetError.empty(path: empty.path, layout: "sharp-folder")) { try loadDataset(at: empty.path) }
        #expect(throws: DatasetError.unknownLayout(path: root.appendingPathComponent("odd").path)) {
            try loadDataset(at: root.appendingPathComponent("odd").path)
        }
    }
}

@Suite("Scene split and manifest helpers")
struct SplitTests {
    let scenes = (0 ..< 50).map { "scene\($0)" }

    @Test("80/20 by scene, stable across runs, seed-dependent, disjoint")
    func split() throws {
        let a = try SceneSplit(scenes: scenes, seed: 1), b = try SceneSplit(scenes: scenes.reversed(), seed: 1)
        let c = try SceneSplit(scenes: scenes, seed: 2)
        #expect(a == b)
        #expect(a.trainScenes.count == 40 && a.testScenes.count == 10)
        #expect(a.trainScenes.isDisjoint(with: a.testScenes))
        #expect(a.trainScenes.union(a.testScenes) == Set(scenes))
        #expect(a.testScenes != c.testScenes)
    }

    @Test("samples of one scene never fall on both sides")
    func scenesStayTogether() throws {
        let root = try makeTree((0 ..< 12).flatMap { v in (0 ..< 3).flatMap { f in
            ["good_frames/clip\(v)_\(f).png", "bad_frames/clip\(v)_\(f).png"] } })
        let ds = try loadDataset(at: root.path)
        let split = try SceneSplit(scenes: ds.scenes, seed: 9)
        for scene in ds.scenes {
            let sides = Set(ds.samples.filter { $0.scene == scene }.map { split.side(of: $0) })
            #expect(sides.count == 1)
        }
        #expect(split.samples(of: ds, side: .test).count == 3 * split.testScenes.count)
        #expect(split.testScenes.count == 2)
    }

    @Test("two scenes give one on each side; bad fractions are refused")
    func edges() throws {
        let s = try SceneSplit(scenes: ["a", "b"], seed: 0, trainFraction: 0.99)
        #expect(s.trainScenes.count == 1 && s.testScenes.count == 1)
        #expect(throws: DatasetError.invalidFraction(1.0)) { try SceneSplit(scenes: ["a"], trainFraction: 1.0) }
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha() {
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("the built-in set, when installed, is 42 tagged scenes with the committed split, and hashes match the list")
    func builtin() throws {
        let folder: URL
        do { folder = try BuiltinData.folder() } catch {
            Issue.record("Data/builtin is missing or incomplete: run scripts/fetch-data.sh (make test does this): \(error)")
            return
        }
        let ds = try loadDataset(at: folder.path)
        #expect(ds.samples.count == 42)
        #expect(ds.sceneTags == (try CommittedLists.builtinTags()))
        let split = try SceneSplit(dataset: ds, seed: 0)
        #expect(split.testScenes == BuiltinSplitTests.seed0Test)
        let photos = try CommittedLists.photos()
        for p in photos {
            let header = try readImageHeader(at: folder.appendingPathComponent(p.file).path)
            #expect(header.width == p.outputWidth && header.height == p.outputHeight, "\(p.file)")
        }
        let camera = try #require(ds.samples.first { $0.id == "camera" })
        #expect(try SHA256.hex(fileAt: camera.sharpPath) == "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a")
    }
}

@Suite("Synthetic set writer")
struct SyntheticSetTests {
    /// Four small seeded photos-to-be in a fresh folder.
    func sourceFolder() throws -> URL {
        let root = try makeTree([])
        var rng = SeededRNG(seed: 12)
        for name in ["a", "b", "c", "d"] {
            var img = Image(channels: 3, height: 40, width: 48)
            for i in img.pixels.indices { img.pixels[i] = Float(rng.next() % 256) / 255 }
            try writeImage(img, to: root.appendingPathComponent("\(name).png").path)
        }
        return root
    }

    @Test("writes sharp/blurred/psf triplets and a manifest whose hashes, sizes and split match the files")
    func writesEverything() throws {
        let src = try sourceFolder()
        let dataset = try loadDataset(at: src.path)
        let split = try SceneSplit(scenes: dataset.scenes, seed: 3)
        let out = try makeTree([])
        let (manifest, degraded) = try writeSyntheticSet(from: dataset, psf: "motion:5,0", options: DegradationOptions(),
                                                         seed: 7, split: split, side: nil, to: out, tool: "test")
        #expect(manifest.items.map(\.file) == ["a.png", "b.png", "c.png", "d.png"])
        #expect(degraded.count == 4)
        for item in manifest.items {
            for folder in ["sharp", "blurred", "psf"] {
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(folder)/\(item.file)").path))
            }
            #expect(try SHA256.hex(fileAt: out.appendingPathComponent("blurred/\(item.file)").path) == item.blurredSHA256)
            #expect(try SHA256.hex(fileAt: out.appendingPathComponent("sharp/\(item.file)").path) == item.sharpSHA256)
            #expect(item.psf.spec == "motion:5,0" && item.psf.kind == "motion" && item.psf.parameters["length"] == 5)
            #expect(item.noiseSigma == 0.01)
            #expect(item.split == (split.testScenes.contains(item.scene) ? .test : .train))
            // Valid convolution with a 1×5 kernel: 4 columns fewer, same rows.
            let sharp = try readImage(at: out.appendingPathComponent("sharp/\(item.file)").path)
            #expect(sharp.width == 44 && sharp.height == 40)
        }
        let reread = try DegradationManifest.read(from: out.appendingPathComponent("manifest.json"))
        #expect(reread == manifest)
    }

    @Test("the same seed gives identical files; one image's draw does not depend on the others")
    func reproducible() throws {
        let src = try sourceFolder()
        let dataset = try loadDataset(at: src.path)
        let split = try SceneSplit(scenes: dataset.scenes, seed: 3)
        let one = try makeTree([]), two = try makeTree([])
        let m1 = try writeSyntheticSet(from: dataset, psf: "mixed", options: DegradationOptions(), seed: 5,
                                       split: split, side: nil, to: one, tool: "test").manifest
        let m2 = try writeSyntheticSet(from: dataset, psf: "mixed", options: DegradationOptions(), seed: 5,
                                       split: split, side: nil, to: two, tool: "test").manifest
        #expect(m1.items.map(\.blurredSHA256) == m2.items.map(\.blurredSHA256))
        let testOnly = try writeSyntheticSet(from: dataset, psf: "mixed", options: DegradationOptions(), seed: 5,
                                             split: split, side: .test, to: try makeTree([]), tool: "test").manifest
        for item in testOnly.items {
            #expect(m1.items.first { $0.file == item.file }?.blurredSHA256 == item.blurredSHA256)
        }
        let other = try writeSyntheticSet(from: dataset, psf: "mixed", options: DegradationOptions(), seed: 6,
                                          split: split, side: nil, to: try makeTree([]), tool: "test").manifest
        #expect(other.items.map(\.blurredSHA256) != m1.items.map(\.blurredSHA256))
    }

    @Test("real-pair layouts and bad PSF specs are refused")
    func refusals() throws {
        let paired = try makeTree(["sharp/x.png", "blurred/x.png"])
        let dataset = try loadDataset(at: paired.path)
        let split = try SceneSplit(scenes: dataset.scenes, seed: 0)
        #expect(throws: DatasetError.alreadyBlurred(path: paired.path, layout: "paired-folders")) {
            try writeSyntheticSet(from: dataset, psf: "mixed", options: DegradationOptions(), seed: 0,
                                  split: split, side: nil, to: try makeTree([]), tool: "test")
        }
        let src = try sourceFolder()
        let photos = try loadDataset(at: src.path)
        #expect(throws: BlurError.self) {
            try writeSyntheticSet(from: photos, psf: "motion:oops", options: DegradationOptions(), seed: 0,
                                  split: try SceneSplit(scenes: photos.scenes), side: nil, to: try makeTree([]), tool: "test")
        }
    }
}
