import Foundation
import ImageCore
@testable import ImageIO
import Testing

/// PNG chunk-level behaviour: colour tags never change stored values, large metadata before the
/// image data does not hide the header, and data slices decode.
@Suite("PNG chunks and headers")
struct PNGChunkTests {
    /// `png` with `extra` chunks inserted right after IHDR (and its own chunks of the `drop` types removed).
    func inserting(_ extra: [[UInt8]], into png: Data, dropping drop: Set<String> = []) -> Data {
        let stripped = removingPNGChunks(drop, from: png)
        let bytes = [UInt8](stripped)
        return Data(bytes[0 ..< 33] + extra.joined() + bytes[33...])
    }

    @Test("A 16-bit PNG tagged sRGB / gAMA 0.45455 keeps its stored values (no linearisation)")
    func sixteenBitTagged() throws {
        let img = quantisedImage(channels: 3, height: 5, width: 7, levels: 65535, seed: 21)
        let plain = try encodeImage(img, format: .png, bitDepth: 16)
        let srgb = inserting([pngChunk("sRGB", [0])], into: plain)
        let gamma = inserting([pngChunk("gAMA", bigEndian32(45455)),
                               pngChunk("cHRM", (0 ..< 8).flatMap { _ in bigEndian32(31270) })], into: plain)
        #expect(chunkTypes(srgb) == ["IHDR", "sRGB", "IDAT", "IEND"])
        #expect(try decodeImage(srgb, name: "s.png").pixels == img.pixels)
        #expect(try decodeImage(gamma, name: "g.png").pixels == img.pixels)
    }

    @Test("An 8-bit PNG tagged gAMA 1.0 keeps its stored values (no re-encoding to sRGB)")
    func eightBitLinearTag() throws {
        let img = quantisedImage(channels: 1, height: 4, width: 9, levels: 255, seed: 22)
        let tagged = inserting([pngChunk("gAMA", bigEndian32(100_000))], into: try encodeImage(img, format: .png),
                               dropping: ["sRGB"])
        #expect(chunkTypes(tagged) == ["IHDR", "gAMA", "IDAT", "IEND"])
        #expect(try decodeImage(tagged, name: "lin.png").pixels == img.pixels)
    }

    @Test("Headers behind more than 256 KiB of metadata are still found")
    func largeMetadata() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let img = quantisedImage(channels: 3, height: 6, width: 5, levels: 255, seed: 23)

        let text = pngChunk("tEXt", Array("Comment\u{0}".utf8) + [UInt8](repeating: 0x41, count: 300_000))
        let png = inserting([text], into: try encodeImage(img, format: .png))
        let pngPath = folder.appendingPathComponent("meta.png").path
        try png.write(to: URL(fileURLWithPath: pngPath))
        #expect(try readImageHeader(at: pngPath) == ImageHeader(format: .png, width: 5, height: 6, channels: 3, bitDepth: 8))
        #expect(try readImage(at: pngPath).pixels == img.pixels)

        // Five maximal APP1 segments (5 × 64 KiB) between SOI and the frame header.
        let jpeg = [UInt8](try encodeImage(img, format: .jpeg))
        let app1: [UInt8] = [0xFF, 0xE1, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 65533)
        let padded = Data(jpeg[0 ..< 2] + (0 ..< 5).flatMap { _ in app1 } + jpeg[2...])
        let jpgPath = folder.appendingPathComponent("meta.jpg").path
        try padded.write(to: URL(fileURLWithPath: jpgPath))
        #expect(padded.count > 5 * 65536)
        #expect(try readImageHeader(at: jpgPath) == ImageHeader(format: .jpeg, width: 5, height: 6, channels: 3, bitDepth: 8))
        #expect(try readImage(at: jpgPath).pixels == decodeImage(Data(jpeg), name: "plain.jpg").pixels)
    }

    @Test("Data slices with a non-zero start index decode")
    func slices() throws {
        let img = quantisedImage(channels: 1, height: 3, width: 4, levels: 255, seed: 24)
        for format in ImageFormat.allCases {
            let wrapped = Data([1, 2, 3]) + (try encodeImage(img, format: format)) + Data([9])
            let slice = wrapped[3 ..< wrapped.count - 1]
            #expect(slice.startIndex == 3)
            let back = try decodeImage(slice, name: "slice")
            #expect(back.width == 4 && back.height == 3)
            if format == .png { #expect(back.pixels == img.pixels) }
        }
    }

    @Test("Other common formats are named in the unknown-format message")
    func otherFormatHints() throws {
        let cases: [([UInt8], String)] = [
            (Array("GIF89a..".utf8), "a GIF"), ([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0], "a TIFF"),
            (Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBP".utf8), "WebP"), ([0, 0, 0, 0x18] + Array("ftypheic".utf8), "HEIC"),
            (Array("<!DOCTYPE html>".utf8), "error page"),
        ]
        for (bytes, hint) in cases {
            let error = #expect(throws: ImageIOError.self) { try decodeImage(Data(bytes), name: "x") }
            #expect(error?.errorDescription?.contains(hint) == true, "\(hint)")
        }
        let plain = ImageIOError.unknownFormat(name: "x", firstBytes: "12 34").errorDescription!
        #expect(!plain.contains("looks like"))
    }
}
