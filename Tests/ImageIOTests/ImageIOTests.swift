import Foundation
import ImageCore
import Testing
@testable import ImageIO

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("imageio-\(UInt64.random(in: 0 ... .max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A seeded random image whose values are exact multiples of 1/levels.
func randomImage(channels: Int, height: Int, width: Int, levels: Float, seed: UInt64) -> Image {
    var rng = SeededRNG(seed: seed)
    var img = Image(channels: channels, height: height, width: width)
    for i in img.pixels.indices { img.pixels[i] = Float(rng.next() % UInt64(levels + 1)) / levels }
    return img
}

@Suite("PNG and JPEG round trips")
struct RoundTripTests {
    @Test("8- and 16-bit PNG round trips are exact (gray and RGB, odd sizes)",
          arguments: [(1, 8), (3, 8), (1, 16), (3, 16)])
    func pngExact(channels: Int, bitDepth: Int) throws {
        let img = randomImage(channels: channels, height: 5, width: 7, levels: bitDepth == 8 ? 255 : 65535, seed: 1)
        let dir = try scratchDirectory()
        let path = dir.appendingPathComponent("x.png").path
        try writeImage(img, to: path, bitDepth: bitDepth)
        let back = try readImage(at: path)
        #expect(back == img)
        let header = try readImageHeader(at: path)
        #expect(header == ImageHeader(format: .png, width: 7, height: 5, channels: channels, bitDepth: bitDepth, hasAlpha: false))
    }

    @Test("JPEG quality 95 (4:4:4) round trip of a smooth image stays within 5/255 (max) and 1/255 (mean)")
    func jpegTolerance() throws {
        var img = Image(channels: 3, height: 37, width: 53)
        for c in 0 ..< 3 { for y in 0 ..< 37 { for x in 0 ..< 53 {
            img[c, y, x] = (Float(x) / 52 * 0.6 + Float(y) / 36 * 0.3 + Float(c) * 0.05)
        } } }
        let data = try encodeImage(img, format: .jpeg, jpegQuality: 95)
        let back = try decodeImage(data, name: "upload.jpg")
        #expect(back.channels == 3 && back.width == 53 && back.height == 37)
        let diffs = zip(img.pixels, back.pixels).map { abs($0 - $1) }
        #expect(diffs.max()! <= 5 / 255)
        #expect(diffs.reduce(0, +) / Float(diffs.count) <= 1 / 255)
    }

    @Test("a gray JPEG decodes to one channel")
    func grayJPEG() throws {
        let img = Image(channels: 1, height: 8, width: 8, value: 0.5)
        let back = try decodeImage(try encodeImage(img, format: .jpeg), name: "g.jpg")
        #expect(back.channels == 1)
        #expect(back.pixels.allSatisfy { abs($0 - 0.5) <= 1 / 255 })
    }
}

@Suite("PNG variants written by an independent encoder")
struct FixtureTests {
    struct Expected: Decodable {
        struct File: Decodable { let channels: Int; let width: Int; let height: Int; let values: [Double] }
        let files: [String: File]
    }

    @Test("gray+alpha (composited over black), opaque RGBA, palette and gamma-tagged 16-bit files",
          arguments: ["gray_alpha_8.png", "rgba_opaque_8.png", "palette_8.png", "gray_16_gama.png"])
    func fixture(name: String) throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixtures.appendingPathComponent("expected.json")))
        let want = try #require(expected.files[name])
        let img = try readImage(at: fixtures.appendingPathComponent(name).path)
        #expect(img.channels == want.channels && img.width == want.width && img.height == want.height)
        let worst = zip(img.pixels, want.values).map { abs(Double($0) - $1) }.max()!
        #expect(worst < 1e-6, "largest difference \(worst)")
    }
}

@Suite("Malformed files raise named errors")
struct MalformedTests {
    func write(_ data: Data, _ name: String) throws -> String {
        let path = try scratchDirectory().appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: data)
        return path
    }

    var validPNG: Data { get throws { try encodeImage(randomImage(channels: 3, height: 16, width: 16, levels: 255, seed: 2), format: .png) } }

    @Test("missing and empty files")
    func missingEmpty() throws {
        #expect(throws: ImageIOError.fileNotFound(path: "/no/such.png")) { try readImage(at: "/no/such.png") }
        let path = try write(Data(), "empty.png")
        #expect(throws: ImageIOError.empty(path: path)) { try readImage(at: path) }
        #expect(throws: ImageIOError.empty(path: "upload")) { try decodeImage(Data(), name: "upload") }
    }

    @Test("a truncated PNG and a truncated JPEG")
    func truncated() throws {
        let png = try validPNG
        let pngPath = try write(png.prefix(png.count / 2), "half.png")
        #expect { try readImage(at: pngPath) } throws: { error in
            guard case let .corrupt(path, format, _) = error as? ImageIOError else { return false }
            return path == pngPath && format == .png
        }
        let jpeg = try encodeImage(randomImage(channels: 3, height: 32, width: 32, levels: 255, seed: 3), format: .jpeg)
        let jpegPath = try write(jpeg.prefix(jpeg.count / 2), "half.jpg")
        #expect { try readImage(at: jpegPath) } throws: { error in
            guard case let .corrupt(path, format, _) = error as? ImageIOError else { return false }
            return path == jpegPath && format == .jpeg
        }
    }

    @Test("random bytes, and a PNG signature followed by garbage")
    func randomBytes() throws {
        var rng = SeededRNG(seed: 4)
        let noise = Data((0 ..< 1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let path = try write(noise, "noise.png")
        #expect(throws: ImageIOError.unknownFormat(path: path)) { try readImage(at: path) }
        let fake = try write(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + noise, "fake.png")
        #expect { try readImage(at: fake) } throws: { error in
            if case .corrupt = error as? ImageIOError { return true } else { return false }
        }
    }

    @Test("a JPEG named .png")
    func wrongExtension() throws {
        let jpeg = try encodeImage(Image(channels: 1, height: 4, width: 4, value: 0.5), format: .jpeg)
        let path = try write(jpeg, "photo.png")
        #expect(throws: ImageIOError.extensionMismatch(path: path, fileExtension: "png", detected: .jpeg)) { try readImage(at: path) }
        // An upload's name is only a label: its bytes decide.
        #expect(try decodeImage(jpeg, name: "photo.png").width == 4)
    }

    @Test("a header claiming 60000×60000 is refused before decoding")
    func bomb() throws {
        let path = fixtures.appendingPathComponent("bomb_60000.png").path
        #expect(throws: ImageIOError.tooManyPixels(path: path, width: 60000, height: 60000, limit: defaultMaxPixels)) {
            try readImage(at: path)
        }
        #expect(try readImageHeader(at: path).width == 60000)
        // A smaller limit applies to ordinary files too.
        let small = try write(try validPNG, "small.png")
        #expect(throws: ImageIOError.tooManyPixels(path: small, width: 16, height: 16, limit: 100)) {
            try readImage(at: small, maxPixels: 100)
        }
    }
}

@Suite("Writing refuses what it cannot store")
struct WriteErrorTests {
    @Test("values outside [0,1] or NaN are refused, and nothing is left behind")
    func outOfRange() throws {
        let dir = try scratchDirectory()
        let path = dir.appendingPathComponent("out.png").path
        var img = Image(channels: 1, height: 2, width: 2, value: 0.5)
        img.pixels[0] = 1.25
        img.pixels[1] = -0.5
        #expect(throws: ImageIOError.valuesOutOfRange(path: path, count: 2, minimum: -0.5, maximum: 1.25)) {
            try writeImage(img, to: path)
        }
        img.pixels[0] = .nan
        #expect(throws: ImageIOError.nonFinite(path: path, count: 1)) { try writeImage(img, to: path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        try writeImage(img.clamped(to: 0 ... 1).replacingNaN(), to: path)
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("bad extension, bit depth, channels and quality")
    func badArguments() throws {
        let img = Image(channels: 3, height: 2, width: 2, value: 0.5)
        #expect(throws: ImageIOError.unsupportedExtension(path: "/tmp/x.bmp")) { try writeImage(img, to: "/tmp/x.bmp") }
        #expect(throws: ImageIOError.unsupportedBitDepth(path: "/tmp/x.jpg", bitDepth: 16, format: .jpeg)) {
            try writeImage(img, to: "/tmp/x.jpg", bitDepth: 16)
        }
        #expect(throws: ImageIOError.unsupportedBitDepth(path: "/tmp/x.png", bitDepth: 12, format: .png)) {
            try writeImage(img, to: "/tmp/x.png", bitDepth: 12)
        }
        #expect(throws: ImageIOError.unsupportedChannels(path: "image", channels: 2)) {
            try encodeImage(Image(channels: 2, height: 2, width: 2), format: .png)
        }
        #expect(throws: ImageIOError.invalidQuality(0)) { try encodeImage(img, format: .jpeg, jpegQuality: 0) }
    }
}

extension Image {
    func replacingNaN() -> Image {
        var out = self
        for i in out.pixels.indices where out.pixels[i].isNaN { out.pixels[i] = 0 }
        return out
    }
}
