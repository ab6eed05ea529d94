import Blur
import Foundation
import ImageCore
import ImageIO
import Testing
@testable import Datasets

/// Reference values written by scripts/reference/make_levin_mat_fixture.py (SciPy savemat; the
/// tool, versions and command are in Fixtures/levin_fixture.json).
struct LevinFixture: Decodable {
    let tool: String
    let command: String
    let x: [[Double]], y: [[Double]], f: [[Double]], g: [[Double]]

    static func load() throws -> LevinFixture {
        try JSONDecoder().decode(LevinFixture.self, from: Data(contentsOf: fixtures.appendingPathComponent("levin_fixture.json")))
    }
}

/// Reference values of scripts/reference/make_levin_orientation_fixture.py (levin_orientation.json).
struct OrientationFixture: Decodable {
    let tool: String
    let command: String
    let sigma: Double
    let margin: Int
    let residual_correlated: Double
    let residual_convolved: Double

    static func load() throws -> OrientationFixture {
        try JSONDecoder().decode(OrientationFixture.self, from: Data(contentsOf: fixtures.appendingPathComponent("levin_orientation.json")))
    }
}

/// Direct "same" convolution with zero outside (the naive twin of the loader's FFT convolution):
/// out(y, x) = Σ k(i, j) · in(y − i + kh/2, x − j + kw/2).
func naiveConvolve(_ image: Image, kernel: Image) -> Image {
    var out = Image(channels: 1, height: image.height, width: image.width)
    for y in 0 ..< image.height {
        for x in 0 ..< image.width {
            var sum = 0.0
            for i in 0 ..< kernel.height {
                for j in 0 ..< kernel.width {
                    let sy = y - i + kernel.height / 2, sx = x - j + kernel.width / 2
                    guard sy >= 0, sy < image.height, sx >= 0, sx < image.width else { continue }
                    sum += Double(kernel[0, i, j]) * Double(image[0, sy, sx])
                }
            }
            out[0, y, x] = Float(sum)
        }
    }
    return out
}

/// RMS of blurred − sharp ∗ kernel (no shift) over the interior that leaves out `margin` px.
func naiveResidualRMS(sharp: Image, blurred: Image, kernel: Image, margin: Int) -> Double {
    let model = naiveConvolve(sharp, kernel: kernel)
    var sum = 0.0, count = 0
    for y in margin ..< sharp.height - margin {
        for x in margin ..< sharp.width - margin {
            let d = Double(blurred[0, y, x]) - Double(model[0, y, x])
            sum += d * d
            count += 1
        }
    }
    return (sum / Double(count)).squareRoot()
}

extension Image {
    /// Turned by 180°, pixel by pixel (the test's own twin of the loader's rotation).
    func flipped180() -> Image {
        var out = self
        for y in 0 ..< height { for x in 0 ..< width { out[0, y, x] = self[0, height - 1 - y, width - 1 - x] } }
        return out
    }
}

/// The folder holding this test target's fixtures.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

@Suite struct MATFileTests {
    @Test(arguments: ["levin_compressed.mat", "levin_plain.mat"])
    func readsTheSciPyFixture(name: String) throws {
        let reference = try LevinFixture.load()
        let arrays = try readMATFile(at: fixtures.appendingPathComponent(name).path)
        // The char array 's' is skipped; the numeric ones keep their file order.
        #expect(arrays.map(\.name) == ["x", "y", "f", "g"])
        let byName = Dictionary(uniqueKeysWithValues: arrays.map { ($0.name, $0) })
        for (key, expected, cls) in [("x", reference.x, "double"), ("y", reference.y, "single"), ("f", reference.f, "double"), ("g", reference.g, "uint8")] {
            let a = try #require(byName[key])
            #expect(a.className == cls)
            #expect(a.dimensions == [expected.count, expected[0].count], "\(key) \(a.dimensions)")
            for r in expected.indices {
                for c in expected[r].indices { #expect(a[r, c] == expected[r][c], "\(key)[\(r), \(c)]") }
            }
        }
        // As images: rows stay rows (column-major storage undone), uint8 scaled by 1/255.
        let x = try #require(byName["x"]).image()
        #expect(x.height == 6 && x.width == 4)
        #expect(x[0, 5, 1] == Float(reference.x[5][1]))
        let g = try #require(byName["g"]).image()
        #expect(g[0, 0, 2] == 1 && abs(g[0, 0, 1] - 128 / 255) < 1e-7)
    }

    @Test func truncatedFileIsANamedError() throws {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("levin_plain.mat"))
        let truncated = data.prefix(data.count - 40)
        #expect {
            try parseMAT(Data(truncated), path: "cut.mat")
        } throws: { error in
            guard case let .matFile(path, reason) = error as? BenchmarkDataError else { return false }
            return path == "cut.mat" && reason.contains("truncated")
        }
    }

    @Test func corruptCompressedDataIsANamedError() throws {
        var bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("levin_compressed.mat")))
        // Overwrite the first compressed element's zlib payload (after its 8-byte tag and 2-byte zlib header).
        for i in 128 + 8 + 2 ..< 128 + 8 + 40 { bytes[i] ^= 0x5A }
        #expect {
            try parseMAT(Data(bytes), path: "bad.mat")
        } throws: { error in
            guard case let .matFile(path, reason) = error as? BenchmarkDataError else { return false }
            return path == "bad.mat" && (reason.contains("zlib") || reason.contains("compressed"))
        }
    }

    @Test func otherFilesAreRejected() throws {
        #expect(throws: BenchmarkDataError.matFile(path: "short.mat", reason: "it is 5 bytes, shorter than the 128-byte MAT header")) {
            try parseMAT(Data("hello".utf8), path: "short.mat")
        }
        var hdf5 = [UInt8](repeating: 0, count: 200)
        hdf5.replaceSubrange(0 ..< 10, with: Array("MATLAB 7.3".utf8))
        #expect { try parseMAT(Data(hdf5), path: "v73.mat") } throws: { error in
            guard case let .matFile(_, reason) = error as? BenchmarkDataError else { return false }
            return reason.contains("HDF5")
        }
        #expect { try readMATFile(at: "/nonexistent/x.mat") } throws: { error in
            guard case let .matFile(path, _) = error as? BenchmarkDataError else { return false }
            return path == "/nonexistent/x.mat"
        }
    }
}

@Suite struct LevinLoaderTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("psf-levin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func loadsTheMatLayout() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("levin_compressed.mat"), to: folder.appendingPathComponent("im01_flit01.mat"))
        let samples = try loadLevinDataset(at: folder.path).samples
        #expect(samples.count == 1)
        let s = try #require(samples.first)
        #expect(s.id == "im01_flit01")
        // 4×6 is too small for the residual test: the kernel is used as stored, unmeasured.
        #expect(s.orientation == KernelOrientationCheck(rotated: false, forced: false))
        #expect(s.sharp.width == 4 && s.sharp.height == 6 && s.blurred.width == 4)
        #expect(s.psf.width == 5 && s.psf.height == 3)
        let reference = try LevinFixture.load()
        #expect(abs(Double(s.psf.weights[0, 1, 2]) - reference.f[1][2]) < 1e-6)
    }

    @Test func aFolderOfUnrelatedMatFilesNamesWhatEachHolds() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Keep only the header and the first element (x): rebuild a file with x alone.
        let data = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("levin_plain.mat")))
        let size = Int(data[132]) | Int(data[133]) << 8 | Int(data[134]) << 16 | Int(data[135]) << 24
        try Data(data[0 ..< 136 + size]).write(to: folder.appendingPathComponent("only_x.mat"))
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("levin_unrelated.mat"), to: folder.appendingPathComponent("sizeL.mat"))
        #expect(throws: BenchmarkDataError.dataset(path: folder.path, reason: "none of its .mat files holds x (sharp), y (blurred) and f (kernel): "
                                                   + "only_x.mat: holds x, not x, y and f — skipped; sizeL.mat: holds sizeL, not x, y and f — skipped")) {
            try loadLevinDataset(at: folder.path)
        }
    }

    @Test func aCorruptMatFileIsAnErrorNotSkipped() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("levin_orientation.mat"), to: folder.appendingPathComponent("im1_kernel1.mat"))
        try Data("not a mat file at all, but long enough to have a header of 128 bytes ............................................................".utf8)
            .write(to: folder.appendingPathComponent("broken.mat"))
        #expect(throws: BenchmarkDataError.self) { try loadLevinDataset(at: folder.path) }
    }

    /// Levin et al.'s `f` is a correlation kernel. The fixture (SciPy, levin_orientation.json) blurs
    /// by correlation with an asymmetric hook; the loader must find that by the residual test,
    /// rotate `f` so that y ≈ x ∗ k (checked here with a naive direct convolution), and skip the
    /// unrelated sizeL.mat beside it with a note.
    @Test func aCorrelationKernelIsReadRotatedAndAnUnrelatedMatIsSkipped() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("levin_orientation.mat"), to: folder.appendingPathComponent("im1_kernel1.mat"))
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("levin_unrelated.mat"), to: folder.appendingPathComponent("sizeL.mat"))
        let reference = try OrientationFixture.load()
        let dataset = try loadLevinDataset(at: folder.path)
        #expect(dataset.samples.map(\.id) == ["im1_kernel1"])
        #expect(dataset.skipped == ["sizeL.mat: holds sizeL, not x, y and f — skipped"])
        let s = try #require(dataset.samples.first)
        #expect(s.orientation.rotated && !s.orientation.forced)
        #expect(s.orientation.shift?.x == 0 && s.orientation.shift?.y == 0)
        let rotatedRMS = try #require(s.orientation.residualRotated), storedRMS = try #require(s.orientation.residualStored)
        // The residual test's minimum over shifts can only be at or below SciPy's unshifted residual.
        #expect(rotatedRMS <= reference.residual_correlated + 1e-6 && rotatedRMS > 0.8 * reference.sigma, "\(rotatedRMS)")
        // As stored, even the best shift leaves more than twice the residual (0.0123 against 0.0052).
        #expect(storedRMS > 2 * rotatedRMS, "\(storedRMS) vs \(rotatedRMS)")
        // Independently: y ≈ x ∗ psf within the noise, by direct convolution over the interior.
        let rms = naiveResidualRMS(sharp: s.sharp, blurred: s.blurred, kernel: s.psf.weights, margin: reference.margin)
        #expect(abs(rms - reference.residual_correlated) < 2e-4, "\(rms) vs SciPy \(reference.residual_correlated)")
        #expect(dataset.orientationSummary.hasPrefix("kernels rotated by 180° (correlation kernels) in 1 of 1 cases"))
        // Forced readings are honoured and reported as forced.
        let stored = try loadLevinDataset(at: folder.path, orientation: .stored).samples[0]
        #expect(!stored.orientation.rotated && stored.orientation.forced && stored.orientation.residualStored == nil)
        let asStoredRMS = naiveResidualRMS(sharp: stored.sharp, blurred: stored.blurred, kernel: stored.psf.weights, margin: reference.margin)
        #expect(abs(asStoredRMS - reference.residual_convolved) < 2e-4, "\(asStoredRMS) vs SciPy \(reference.residual_convolved)")
        #expect(try loadLevinDataset(at: folder.path, orientation: .rotated).samples[0].psf.weights == s.psf.weights)
    }

    @Test func loadsThePNGLayout() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var rng = SeededRNG(seed: 3)
        let sharp = DeadLeaves(palette: [SIMD3(0.2, 0.5, 0.8), SIMD3(0.8, 0.3, 0.25)], radius: 2 ... 12).render(width: 40, height: 32, rng: &rng)
        let kernel = try PSF.motion(length: 5, angle: 0)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("gt"), withIntermediateDirectories: true)
        try writeImage(sharp, to: folder.appendingPathComponent("gt/im1.png").path)
        try writeImage(kernel.peakNormalized, to: folder.appendingPathComponent("gt/kernel2.png").path, bitDepth: 16)
        try writeImage(sharp, to: folder.appendingPathComponent("im1_kernel2_img.png").path)
        let samples = try loadLevinDataset(at: folder.path).samples
        #expect(samples.map(\.id) == ["im1_kernel2"])
        #expect(samples[0].psf.width == 5 && samples[0].sharp.width == 40)
        #expect(isLevinDataset(at: folder.path) && !isLevinDataset(at: folder.appendingPathComponent("gt").path))
        #expect(throws: BenchmarkDataError.self) { try loadLevinDataset(at: folder.appendingPathComponent("gt").path) }
    }

    /// The PNG layout gets the same check: a blurred image made by correlation with an asymmetric
    /// kernel is read with the kernel rotated; one made by convolution keeps it as stored.
    @Test(arguments: [true, false])
    func thePNGLayoutIsCheckedTheSameWay(correlation: Bool) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var rng = SeededRNG(seed: 9)
        let sharp = DeadLeaves(palette: [SIMD3(0.2, 0.5, 0.8), SIMD3(0.8, 0.3, 0.25), SIMD3(0.9, 0.9, 0.6)], radius: 2 ... 10)
            .render(width: 71, height: 65, rng: &rng)
        var hook = Image(channels: 1, height: 7, width: 7)
        for (y, x, v) in [(3, 3, 5), (3, 4, 4), (3, 5, 3), (4, 5, 2), (5, 5, 1), (2, 3, 2), (1, 2, 1)] as [(Int, Int, Float)] { hook[0, y, x] = v }
        let kernel = try PSF(weights: hook)
        let applied = correlation ? hook.flipped180() : hook
        let blurred = naiveConvolve(try sharp.luma(), kernel: try PSF(weights: applied).weights)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("gt"), withIntermediateDirectories: true)
        try writeImage(sharp, to: folder.appendingPathComponent("gt/im1.png").path, bitDepth: 16)
        try writeImage(kernel.peakNormalized, to: folder.appendingPathComponent("gt/kernel1.png").path, bitDepth: 16)
        try writeImage(blurred, to: folder.appendingPathComponent("im1_kernel1_img.png").path, bitDepth: 16)
        let s = try #require(try loadLevinDataset(at: folder.path).samples.first)
        #expect(s.orientation.rotated == correlation)
        let best = min(try #require(s.orientation.residualRotated), try #require(s.orientation.residualStored))
        #expect(best < 1e-3, "\(best)")
    }
}
