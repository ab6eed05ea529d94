import Foundation
import ImageCore
import PropertyBased
import Testing
@testable import ImageIO

/// Property tests of the PNG and JPEG codecs on random images and on damaged files (each run draws new cases from a
/// seeded generator; a failure is shrunk to the smallest image or the earliest damage and prints the
/// `.fixedSeed(…)` that replays it).
@Suite("codec properties")
struct CodecPropertyTests {
    static let shape = zip(Gen.element(of: [1, 3]).map { $0! }, Gen.int(in: 1 ... 24), Gen.int(in: 1 ... 24), Gen.uint64())

    @Test("PNG at 8 and 16 bits: a random image on the format's grid comes back exactly")
    func pngExact() async {
        await propertyCheck(count: 150, input: Self.shape, Gen.bool) { shape, sixteen in
            let (c, h, w, seed) = shape
            let levels = sixteen ? 65535 : 255
            let image = quantisedImage(channels: c, height: h, width: w, levels: levels, seed: seed)
            let back = try decodeImage(try encodeImage(image, format: .png, bitDepth: sixteen ? 16 : 8), name: "p.png")
            #expect(back.channels == c && back.height == h && back.width == w)
            #expect(back.pixels == image.pixels)
        }
    }

    @Test("JPEG: shape kept, values in [0, 1], a smooth image within a few grey levels")
    func jpegClose() async {
        await propertyCheck(count: 100, input: Self.shape, Gen.int(in: 90 ... 100)) { shape, quality in
            let (c, h, w, _) = shape
            let image = smoothImage(channels: c, height: h, width: w)
            let back = try decodeImage(try encodeImage(image, format: .jpeg, jpegQuality: quality), name: "p.jpg")
            #expect(back.channels == c && back.height == h && back.width == w)
            #expect(back.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
            // "Smooth" only holds from one 8×8 DCT block up: `smoothImage` draws its pattern across the whole
            // image, so a 2×2 one is four very different pixels (a CI run once drew 2×2 gray at quality 91: 7.0 levels).
            guard min(h, w) >= 8 else { return }
            let meanError = zip(back.pixels, image.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(image.pixels.count)
            #expect(meanError < 6 / 255, "mean error \(meanError * 255) grey levels at quality \(quality)")
        }
    }

    /// A cut or a few changed bytes: the decoder returns a well-formed image (JPEG has no checksum, so a
    /// changed byte can change its size) or throws an `ImageIOError` with a message naming the file —
    /// never a crash, never another error type.
    @Test("damaged PNG and JPEG files are decoded or refused by name")
    func damagedFiles() async throws {
        let image = smoothImage(channels: 3, height: 19, width: 23)
        let files = [try encodeImage(image, format: .png), try encodeImage(image, format: .png, bitDepth: 16),
                     try encodeImage(image, format: .jpeg, jpegQuality: 90)]
        let damage = zip(Gen.double(in: 0 ..< 1), Gen.uint8()).array(of: 0 ... 4)
        await propertyCheck(count: 300, input: Gen.int(in: 0 ... 2), Gen.double(in: 0 ... 1), damage) { which, keep, changes in
            var bytes = [UInt8](files[which])
            bytes = Array(bytes[..<max(1, Int(keep * Double(bytes.count)))])
            for (position, value) in changes { bytes[Int(position * Double(bytes.count))] = value }
            let name = which == 2 ? "damaged.jpg" : "damaged.png"
            do {
                let back = try decodeImage(Data(bytes), name: name)
                #expect([1, 3].contains(back.channels) && back.height > 0 && back.width > 0)
                #expect(back.pixels.count == back.channels * back.height * back.width)
                #expect(back.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
            } catch let error as ImageIOError {
                #expect(error.localizedDescription.contains(name), "message does not name the file: \(error.localizedDescription)")
            } catch {
                Issue.record("unexpected \(type(of: error)): \(error)")
            }
        }
    }
}

@Suite("files that are not images")
struct NotAFileTests {
    @Test("a device is refused by name as not a regular file, with one full stop; a symbolic link to an image is read")
    func deviceAndLink() throws {
        do {
            _ = try readImage(at: "/dev/zero")
            Issue.record("/dev/zero was read")
        } catch let error as ImageIOError {
            let text = error.localizedDescription
            #expect(text.contains("'/dev/zero'") && text.contains("not a regular file") && !text.contains(".."), "\(text)")
        }
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let link = folder.appendingPathComponent("link.png")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: fixturePath("gray_1bit.png"))
        #expect(try readImage(at: link.path).pixels == readImage(at: fixturePath("gray_1bit.png")).pixels)
    }
}
