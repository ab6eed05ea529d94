import Foundation
import ImageCore
@testable import ImageIO
import Testing

@Suite("Round trips")
struct RoundTripTests {
    @Test("8-bit PNG round trip is exact", arguments: [(1, 5, 7), (3, 5, 7), (1, 1, 1), (3, 1, 13), (3, 8, 8)])
    func png8Exact(shape: (Int, Int, Int)) throws {
        let img = quantisedImage(channels: shape.0, height: shape.1, width: shape.2, levels: 255, seed: 11)
        let back = try decodeImage(try encodeImage(img, format: .png, bitDepth: 8), name: "rt.png")
        #expect(back.channels == shape.0 && back.height == shape.1 && back.width == shape.2)
        #expect(back.pixels == img.pixels)
    }

    @Test("16-bit PNG round trip is exact", arguments: [(1, 5, 7), (3, 5, 7), (1, 3, 1), (3, 2, 11)])
    func png16Exact(shape: (Int, Int, Int)) throws {
        var img = quantisedImage(channels: shape.0, height: shape.1, width: shape.2, levels: 65535, seed: 12)
        img.pixels[0] = 1.0 / 65535  // the smallest step survives
        let data = try encodeImage(img, format: .png, bitDepth: 16)
        let back = try decodeImage(data, name: "rt16.png")
        #expect(back.pixels == img.pixels)
        let header = try parsePNGStructure(data, name: "rt16.png", stopAtImageData: true)
        #expect(header.storedBitDepth == 16)
        #expect(header.colorType == (shape.0 == 3 ? 2 : 0))
        // Untagged: libpng's linear-light gAMA 1.0 / cHRM tags are removed, every other chunk kept.
        let types = chunkTypes(data)
        #expect(types.first == "IHDR" && types.last == "IEND" && types.contains("IDAT"))
        #expect(!types.contains("gAMA") && !types.contains("cHRM"))
    }

    @Test("8-bit PNG is tagged sRGB")
    func png8Tagged() throws {
        let data = try encodeImage(Image(channels: 3, height: 2, width: 3, value: 0.5), format: .png)
        #expect(chunkTypes(data) == ["IHDR", "sRGB", "IDAT", "IEND"])
    }

    @Test("16-bit PNG keeps detail that 8 bits lose")
    func png16Precision() throws {
        let values: [Float] = [0.1234567, 0.5, 0.999, 0.0001]
        let img = Image(channels: 1, height: 1, width: 4, pixels: values)
        let back16 = try decodeImage(try encodeImage(img, format: .png, bitDepth: 16), name: "a.png")
        let back8 = try decodeImage(try encodeImage(img, format: .png, bitDepth: 8), name: "b.png")
        #expect(maxAbsDifference(back16.pixels, values) <= 0.5 / 65535 + 1e-7)
        #expect(maxAbsDifference(back8.pixels, values) <= 0.5 / 255 + 1e-7)
        #expect(maxAbsDifference(back8.pixels, values) > 1.0 / 65535)
    }

    @Test("Quantisation rounds to nearest")
    func roundToNearest() throws {
        let raw: [Float] = [0.49, 0.51, 127.4, 127.6, 254.6, 255, 0]
        let img = Image(channels: 1, height: 1, width: raw.count, pixels: raw.map { $0 / 255 })
        let back = try decodeImage(try encodeImage(img, format: .png), name: "q.png")
        let levels = back.pixels.map { Int(($0 * 255).rounded()) }
        #expect(levels == [0, 1, 127, 128, 255, 255, 0])
    }

    /// JPEG at quality 95 (4:4:4) on a smooth image: stated tolerance max |error| ≤ 4/255, mean ≤ 1/255.
    @Test("JPEG round trip within tolerance at quality 95", arguments: [1, 3])
    func jpegTolerance(channels: Int) throws {
        let img = smoothImage(channels: channels, height: 37, width: 45)
        let data = try encodeImage(img, format: .jpeg, jpegQuality: 95)
        let back = try decodeImage(data, name: "rt.jpg")
        #expect(back.channels == channels && back.height == 37 && back.width == 45)
        let maxError = maxAbsDifference(back.pixels, img.pixels)
        let meanError = zip(back.pixels, img.pixels).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(img.pixels.count)
        #expect(maxError <= 4.0 / 255)
        #expect(meanError <= 1.0 / 255)
        // A lower quality is measurably worse and smaller: the quality option takes effect.
        let low = try encodeImage(img, format: .jpeg, jpegQuality: 20)
        let lowBack = try decodeImage(low, name: "low.jpg")
        #expect(low.count < data.count)
        #expect(maxAbsDifference(lowBack.pixels, img.pixels) > maxError)
    }

    @Test("Gray JPEG is stored with one component")
    func grayJPEGHeader() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let path = folder.appendingPathComponent("g.JPEG").path
        try writeImage(smoothImage(channels: 1, height: 9, width: 10), to: path)
        #expect(try readImageHeader(at: path) == ImageHeader(format: .jpeg, width: 10, height: 9, channels: 1, bitDepth: 8))
    }

    @Test("writeImage picks the format from the extension and reads back")
    func writeAndRead() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let img = quantisedImage(channels: 3, height: 5, width: 7, levels: 65535, seed: 5)
        let pngPath = folder.appendingPathComponent("sub/x.PNG").path  // missing folder is created
        try writeImage(img, to: pngPath, bitDepth: 16)
        #expect(try readImage(at: pngPath).pixels == img.pixels)
        #expect(try readImageHeader(at: pngPath) == ImageHeader(format: .png, width: 7, height: 5, channels: 3, bitDepth: 16))
        let jpgPath = folder.appendingPathComponent("x.jpg").path
        try writeImage(img.clamped(), to: jpgPath, jpegQuality: 90)
        let header = try readImageHeader(at: jpgPath)
        #expect(header.format == .jpeg && header.width == 7 && header.height == 5 && header.channels == 3)
        // Only the two final files exist: no temporary leftovers.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["sub", "x.jpg"])
    }

    @Test("Concurrent decoding and encoding give identical results (no shared state)")
    func concurrent() throws {
        let img = quantisedImage(channels: 3, height: 17, width: 13, levels: 255, seed: 8)
        let png = try encodeImage(img, format: .png), jpeg = try encodeImage(img, format: .jpeg)
        let reference = try decodeImage(jpeg, name: "j")
        let results = LockedFlags(count: 16)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let ok: Bool
            if i % 2 == 0 {
                ok = (try? decodeImage(png, name: "p").pixels == img.pixels) ?? false
            } else {
                ok = (try? decodeImage(try encodeImage(img, format: .jpeg), name: "j") == reference) ?? false
            }
            results.set(i, ok)
        }
        #expect(results.values == [Bool](repeating: true, count: 16))
    }

    @Test("Format detection from names and bytes")
    func formatDetection() {
        #expect(ImageFormat(fileExtensionOf: "a/b.PNG") == .png)
        #expect(ImageFormat(fileExtensionOf: "b.Jpg") == .jpeg)
        #expect(ImageFormat(fileExtensionOf: "b.jpeg") == .jpeg)
        #expect(ImageFormat(fileExtensionOf: "b.tif") == nil)
        #expect(ImageFormat(fileExtensionOf: "png") == nil)
        #expect(ImageFormat(magicBytesOf: Data(pngSignature + [0, 0])) == .png)
        #expect(ImageFormat(magicBytesOf: Data([0xFF, 0xD8, 0xFF, 0xE0])) == .jpeg)
        #expect(ImageFormat(magicBytesOf: Data([0xFF, 0xD8])) == nil)
        #expect(ImageFormat(magicBytesOf: Data("GIF89a".utf8)) == nil)
    }

    @Test("Module CRC-32 matches the naive bitwise CRC and the standard check value")
    func crc() {
        let check = Array("123456789".utf8)
        #expect(check.withUnsafeBufferPointer { pngCRC32($0) } == 0xCBF4_3926)
        var rng = SeededRNG(seed: 3)
        let bytes = (0 ..< 1001).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        #expect(bytes.withUnsafeBufferPointer { pngCRC32($0) } == naiveCRC32(bytes))
    }
}

/// Flags written from several threads under a lock.
private final class LockedFlags: @unchecked Sendable {
    private let lock = NSLock()
    private var flags: [Bool]
    init(count: Int) { flags = [Bool](repeating: false, count: count) }
    func set(_ i: Int, _ value: Bool) { lock.lock(); flags[i] = value; lock.unlock() }
    var values: [Bool] { lock.lock(); defer { lock.unlock() }; return flags }
}
