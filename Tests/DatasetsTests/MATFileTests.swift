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
        let samples = try loadLevinDataset(at: folder.path)
        #expect(samples.count == 1)
        let s = try #require(samples.first)
        #expect(s.id == "im01_flit01")
        #expect(s.sharp.width == 4 && s.sharp.height == 6 && s.blurred.width == 4)
        #expect(s.psf.width == 5 && s.psf.height == 3)
        let reference = try LevinFixture.load()
        #expect(abs(Double(s.psf.weights[0, 1, 2]) - reference.f[1][2]) < 1e-6)
    }

    @Test func aMatFileWithoutTheKernelNamesWhatItHolds() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Keep only the header and the first element (x): rebuild a file with x alone.
        let data = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("levin_plain.mat")))
        let size = Int(data[132]) | Int(data[133]) << 8 | Int(data[134]) << 16 | Int(data[135]) << 24
        try Data(data[0 ..< 136 + size]).write(to: folder.appendingPathComponent("only_x.mat"))
        #expect(throws: BenchmarkDataError.matVariableMissing(path: folder.appendingPathComponent("only_x.mat").path, name: "y", available: ["x"])) {
            try loadLevinDataset(at: folder.path)
        }
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
        let samples = try loadLevinDataset(at: folder.path)
        #expect(samples.map(\.id) == ["im1_kernel2"])
        #expect(samples[0].psf.width == 5 && samples[0].sharp.width == 40)
        #expect(isLevinDataset(at: folder.path) && !isLevinDataset(at: folder.appendingPathComponent("gt").path))
        #expect(throws: BenchmarkDataError.self) { try loadLevinDataset(at: folder.appendingPathComponent("gt").path) }
    }
}

