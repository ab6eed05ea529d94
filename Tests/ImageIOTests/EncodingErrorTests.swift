import Foundation
import ImageCore
@testable import ImageIO
import Testing

/// Writing refuses what it cannot store faithfully, and a failed write leaves no file behind.
@Suite("Encoding errors")
struct EncodingErrorTests {
    @Test("Out-of-range and non-finite values are counted, never clipped")
    func outOfRange() throws {
        let values: [Float] = [-0.1, 1.5, .nan, .infinity, 0.5, 1.0, 0.0, -.infinity, 1.0000001]
        let img = Image(channels: 1, height: 1, width: values.count, pixels: values)
        for format in ImageFormat.allCases {
            #expect(throws: ImageIOError.valuesOutOfRange(name: "image", outOfRange: 6, nonFinite: 3, total: 9)) {
                try encodeImage(img, format: format)
            }
        }
        let message = ImageIOError.valuesOutOfRange(name: "o.png", outOfRange: 6, nonFinite: 3, total: 9).errorDescription!
        #expect(message.contains("6 of 9") && message.contains("3 of them NaN") && message.contains("clamped()"))
        #expect(message.contains("NaN survives clamping"))
        // Clamping explicitly is the fix for finite values (±∞ clamp to the ends; NaN would not).
        let finite = Image(channels: 1, height: 1, width: 5, pixels: [-0.1, 1.5, .infinity, -.infinity, 0.25])
        let back = try decodeImage(try encodeImage(finite.clamped(), format: .png), name: "c.png")
        #expect(back.pixels == [0, 1, 1, 0, Float(64) / 255])
    }

    @Test("writeImage leaves no partial file when encoding fails, and keeps an existing file intact")
    func noPartialFile() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let path = folder.appendingPathComponent("out.png").path
        let bad = Image(channels: 3, height: 4, width: 4, value: 2)
        #expect(throws: ImageIOError.valuesOutOfRange(name: path, outOfRange: 48, nonFinite: 0, total: 48)) {
            try writeImage(bad, to: path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)

        let good = quantisedImage(channels: 1, height: 3, width: 3, levels: 255, seed: 4)
        try writeImage(good, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: ImageIOError.self) { try writeImage(bad, to: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.png"])
    }

    @Test("Bit depths, qualities and channel counts that cannot be stored")
    func unsupportedSettings() throws {
        let img = Image(channels: 1, height: 2, width: 2, value: 0.5)
        #expect(throws: ImageIOError.unsupportedBitDepth(name: "image", bitDepth: 16, format: .jpeg)) {
            try encodeImage(img, format: .jpeg, bitDepth: 16)
        }
        for depth in [1, 12, 32] {
            #expect(throws: ImageIOError.unsupportedBitDepth(name: "image", bitDepth: depth, format: .png)) {
                try encodeImage(img, format: .png, bitDepth: depth)
            }
        }
        for quality in [0, 101, -5] {
            #expect(throws: ImageIOError.invalidJPEGQuality(name: "image", quality: quality)) {
                try encodeImage(img, format: .jpeg, jpegQuality: quality)
            }
        }
        for q in [1, 100] { #expect(try encodeImage(img, format: .jpeg, jpegQuality: q).count > 100) }
        for channels in [2, 4] {
            #expect(throws: ImageIOError.unsupportedChannelCount(name: "image", channels: channels)) {
                try encodeImage(Image(channels: channels, height: 2, width: 2), format: .png)
            }
        }
    }

    @Test("Unknown extensions and unwritable destinations")
    func badDestinations() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let img = Image(channels: 1, height: 2, width: 2, value: 0.25)
        let tif = folder.appendingPathComponent("out.tif").path
        #expect(throws: ImageIOError.unsupportedExtension(name: tif)) { try writeImage(img, to: tif) }
        // A regular file where a folder is needed.
        let blocker = folder.appendingPathComponent("file")
        try Data([1]).write(to: blocker)
        let path = blocker.appendingPathComponent("x.png").path
        let error = #expect(throws: ImageIOError.self) { try writeImage(img, to: path) }
        guard case let .writeFailed(p, _) = error else {
            Issue.record("expected .writeFailed, got \(String(describing: error))"); return
        }
        #expect(p == path)
    }
}
