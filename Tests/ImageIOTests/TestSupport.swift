import Foundation
import ImageCore
@testable import ImageIO

/// Folder holding the committed fixtures (made by scripts/reference/make_imageio_fixtures.py).
let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func fixturePath(_ name: String) -> String { fixturesFolder.appendingPathComponent(name).path }

/// A fresh empty temporary folder, removed by the caller with `removeTemporaryFolder`.
func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("imageio-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func removeTemporaryFolder(_ url: URL) { try? FileManager.default.removeItem(at: url) }

/// An image whose values are exact multiples of 1/levels (so quantisation is lossless), seeded.
func quantisedImage(channels: Int, height: Int, width: Int, levels: Int, seed: UInt64) -> Image {
    var rng = SeededRNG(seed: seed)
    let pixels = (0 ..< channels * height * width).map { _ in
        Float(Int(rng.next() % UInt64(levels + 1))) / Float(levels)
    }
    return Image(channels: channels, height: height, width: width, pixels: pixels)
}

/// A smooth photograph-like test image (gradients, a soft disk and one sharp edge), in [0, 1].
func smoothImage(channels: Int, height: Int, width: Int) -> Image {
    var img = Image(channels: channels, height: height, width: width)
    for c in 0 ..< channels {
        for y in 0 ..< height {
            for x in 0 ..< width {
                let fx = Float(x) / Float(width), fy = Float(y) / Float(height)
                let r2 = (fx - 0.5) * (fx - 0.5) + (fy - 0.5) * (fy - 0.5)
                var v = 0.2 + 0.3 * fx + 0.2 * fy * Float(c + 1) / Float(channels) + 0.25 * Float(exp(-Double(r2) * 20))
                if x > width * 3 / 4 { v -= 0.15 }
                img[c, y, x] = min(max(v, 0), 1)
            }
        }
    }
    return img
}

/// Naive bitwise CRC-32 (PNG polynomial), independent of the module's table-driven one.
func naiveCRC32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0 ..< 8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

func bigEndian32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

/// One PNG chunk: length, type, payload, CRC over type + payload.
func pngChunk(_ type: String, _ payload: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + payload
    return bigEndian32(UInt32(payload.count)) + body + bigEndian32(naiveCRC32(body))
}

/// A structurally valid PNG whose IHDR claims `width`×`height` 8-bit RGB, with a tiny IDAT.
func pngClaiming(width: UInt32, height: UInt32) -> Data {
    let ihdr = bigEndian32(width) + bigEndian32(height) + [8, 2, 0, 0, 0]
    // A few bytes of a valid zlib stream (an empty stored block); decoding would fail much later.
    let idat: [UInt8] = [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01]
    return Data(pngSignature + pngChunk("IHDR", ihdr) + pngChunk("IDAT", idat) + pngChunk("IEND", []))
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}

/// Decoded-value reference for the fixtures (Fixtures/expected.json).
struct FixtureExpectation: Decodable {
    let width: Int
    let height: Int
    let channels: Int
    let tolerance: Double
    let note: String
    let values: [Double]
}

struct FixtureFile: Decodable {
    let generator: String
    let fixtures: [String: FixtureExpectation]
}

func loadExpectations() throws -> FixtureFile {
    let data = try Data(contentsOf: fixturesFolder.appendingPathComponent("expected.json"))
    return try JSONDecoder().decode(FixtureFile.self, from: data)
}

/// The chunk types of a PNG stream, in order.
func chunkTypes(_ data: Data) -> [String] {
    let b = [UInt8](data)
    var types = [String](), offset = 8
    while offset + 12 <= b.count {
        let length = Int(b[offset]) << 24 | Int(b[offset + 1]) << 16 | Int(b[offset + 2]) << 8 | Int(b[offset + 3])
        types.append(String(decoding: b[offset + 4 ..< offset + 8], as: UTF8.self))
        offset += 12 + length
    }
    return types
}
