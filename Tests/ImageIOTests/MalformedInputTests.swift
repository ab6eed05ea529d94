import Foundation
import ImageCore
@testable import ImageIO
import Testing

/// Every kind of bad input raises its own named error naming the file; nothing crashes.
@Suite("Malformed input")
struct MalformedInputTests {
    static let validPNG: Data = try! encodeImage(
        quantisedImage(channels: 3, height: 23, width: 19, levels: 255, seed: 1), format: .png)
    static let validJPEG: Data = try! encodeImage(smoothImage(channels: 3, height: 23, width: 19), format: .jpeg)

    @Test("Empty data and empty files")
    func empty() throws {
        #expect(throws: ImageIOError.emptyFile(name: "upload.png")) { try decodeImage(Data(), name: "upload.png") }
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let path = folder.appendingPathComponent("empty.png").path
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(throws: ImageIOError.emptyFile(name: path)) { try readImage(at: path) }
        #expect(throws: ImageIOError.emptyFile(name: path)) { try readImageHeader(at: path) }
    }

    @Test("Truncated PNG", arguments: [10, 32, 40, 0.5, 0.9, -12])
    func truncatedPNG(cut: Double) throws {
        let data = Self.validPNG
        // Whole numbers are byte counts to keep (negative: drop that many from the end, i.e. lose IEND);
        // fractions are a share of the file.
        let keep = cut < 0 ? data.count + Int(cut) : (cut < 1 ? Int(Double(data.count) * cut) : Int(cut))
        let error = #expect(throws: ImageIOError.self) { try decodeImage(data.prefix(keep), name: "cut.png") }
        guard case let .truncated(name, _) = error else {
            Issue.record("expected .truncated, got \(String(describing: error))"); return
        }
        #expect(name == "cut.png")
    }

    @Test("Truncated JPEG", arguments: [4, 40, 0.5, 0.9])
    func truncatedJPEG(cut: Double) throws {
        let data = Self.validJPEG
        let keep = cut < 1 ? Int(Double(data.count) * cut) : Int(cut)
        let error = #expect(throws: ImageIOError.self) { try decodeImage(data.prefix(keep), name: "cut.jpg") }
        guard case let .truncated(name, detail) = error else {
            Issue.record("expected .truncated, got \(String(describing: error))"); return
        }
        #expect(name == "cut.jpg")
        // Cut inside the headers: no frame header; cut inside the scan: libjpeg's premature-end report.
        #expect(detail.contains(cut < 1 ? "TurboJPEG" : "no frame header (SOF)"))
    }

    @Test("Random bytes are not an image")
    func randomBytes() throws {
        var rng = SeededRNG(seed: 2024)
        var bytes = (0 ..< 4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        bytes[0] = 0x42  // (the seed already gives a non-signature start; pinned so the test reads clearly)
        let data = Data(bytes)
        let preview = bytes.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
        #expect(throws: ImageIOError.unknownFormat(name: "noise.png", firstBytes: preview)) {
            try decodeImage(data, name: "noise.png")
        }
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let path = folder.appendingPathComponent("noise.jpg").path
        try data.write(to: URL(fileURLWithPath: path))
        #expect(throws: ImageIOError.unknownFormat(name: path, firstBytes: preview)) { try readImage(at: path) }
    }

    @Test("Random bytes behind a valid signature are corrupt or truncated, never a crash")
    func randomBytesBehindSignature() throws {
        var rng = SeededRNG(seed: 7)
        let tail = (0 ..< 2000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for (prefix, name) in [(pngSignature, "x.png"), ([0xFF, 0xD8, 0xFF] as [UInt8], "x.jpg")] {
            let error = #expect(throws: ImageIOError.self) { try decodeImage(Data(prefix + tail), name: name) }
            switch error {
            case .corrupt(name, _)?, .truncated(name, _)?: break
            default: Issue.record("\(name): expected .corrupt or .truncated, got \(String(describing: error))")
            }
        }
    }

    @Test("Damaged bytes (seeded) either decode or throw an ImageIOError, never crash")
    func mutationFuzz() throws {
        var rng = SeededRNG(seed: 99)
        var pngRefused = 0, jpegOutcomes = [String: Int]()
        let trials = 1000
        for trial in 0 ..< 2 * trials {
            let isPNG = trial % 2 == 0
            var bytes = [UInt8](isPNG ? Self.validPNG : Self.validJPEG)
            for _ in 0 ..< 1 + Int(rng.next() % 4) {
                let keep = isPNG ? 8 : 3  // keep the signature: damaged signatures are tested above
                let i = keep + Int(rng.next() % UInt64(bytes.count - keep))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                let img = try decodeImage(Data(bytes), name: "fuzz")
                if !isPNG { jpegOutcomes["decoded", default: 0] += 1 }
                // A header byte can change the size; the image must still be consistent.
                #expect(img.pixels.count == img.channels * img.width * img.height)
            } catch let error as ImageIOError {
                switch error {
                case .corrupt, .truncated, .unsupportedContent, .tooManyPixels: break
                default: Issue.record("unexpected error kind \(error)")
                }
                if isPNG { pngRefused += 1 } else { jpegOutcomes["\(error)".prefix { $0 != "(" }.description, default: 0] += 1 }
            }
        }
        // PNG checks a CRC on every chunk, so a damaged PNG is refused unless a byte was overwritten
        // by its own value (probability ≈ 1/256 per write).
        #expect(pngRefused >= trials * 97 / 100)
        // JPEG has no checksums: many damaged JPEGs decode (to a damaged picture); some are refused.
        #expect(jpegOutcomes["decoded", default: 0] > 0 && jpegOutcomes["corrupt", default: 0] > 0)
    }

    @Test("A corrupt PNG body reports libpng's message")
    func corruptPNG() throws {
        var bytes = [UInt8](Self.validPNG)
        bytes[bytes.count - 20] ^= 0xFF  // inside IDAT; its CRC no longer matches
        let error = #expect(throws: ImageIOError.self) { try decodeImage(Data(bytes), name: "bad.png") }
        guard case let .corrupt(name, detail) = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))"); return
        }
        #expect(name == "bad.png")
        #expect(detail.hasPrefix("libpng: ") && detail.count > "libpng: ".count + 3)
    }

    @Test("A PNG header with a bad checksum is corrupt")
    func badIHDRChecksum() throws {
        var bytes = [UInt8](pngClaiming(width: 10, height: 10))
        bytes[29] ^= 1
        #expect(throws: ImageIOError.corrupt(name: "h.png", detail: "the IHDR header's checksum is wrong")) {
            try decodeImage(Data(bytes), name: "h.png")
        }
    }

    @Test("JPEG bytes named .png, PNG bytes named .JPG")
    func wrongExtension() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let fakePNG = folder.appendingPathComponent("photo.png").path
        try Self.validJPEG.write(to: URL(fileURLWithPath: fakePNG))
        let expected = ImageIOError.extensionMismatch(name: fakePNG, extensionFormat: .png, contentFormat: .jpeg)
        #expect(throws: expected) { try readImage(at: fakePNG) }
        #expect(throws: expected) { try readImageHeader(at: fakePNG) }
        #expect(expected.errorDescription!.contains("Rename it to end in .jpg"))

        let fakeJPG = folder.appendingPathComponent("scan.JPG").path
        try Self.validPNG.write(to: URL(fileURLWithPath: fakeJPG))
        #expect(throws: ImageIOError.extensionMismatch(name: fakeJPG, extensionFormat: .jpeg, contentFormat: .png)) {
            try readImage(at: fakeJPG)
        }
        // Uploads are judged by content only; unknown extensions are read by content.
        #expect(try decodeImage(Self.validJPEG, name: "photo.png").width == 19)
        let other = folder.appendingPathComponent("frame.dat").path
        try Self.validPNG.write(to: URL(fileURLWithPath: other))
        #expect(try readImage(at: other).height == 23)
    }

    @Test("A PNG header claiming 60000×60000 fails fast, before decoding")
    func pngBomb() throws {
        let data = pngClaiming(width: 60000, height: 60000)
        #expect(data.count < 100)
        let expected = ImageIOError.tooManyPixels(name: "bomb.png", width: 60000, height: 60000, maxPixels: defaultMaxPixels)
        #expect(throws: expected) { try decodeImage(data, name: "bomb.png") }
        #expect(expected.errorDescription!.contains("raise the pixel limit"))
        // Its header is still readable without decoding.
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let path = folder.appendingPathComponent("bomb.png").path
        try data.write(to: URL(fileURLWithPath: path))
        #expect(try readImageHeader(at: path) == ImageHeader(format: .png, width: 60000, height: 60000, channels: 3, bitDepth: 8))
        #expect(throws: ImageIOError.tooManyPixels(name: path, width: 60000, height: 60000, maxPixels: defaultMaxPixels)) {
            try readImage(at: path)
        }
    }

    @Test("A JPEG frame header claiming 60000×60000 is refused before allocation")
    func jpegBomb() throws {
        var bytes = [UInt8](Self.validJPEG)
        // Patch the SOF0 marker (FF C0, length, precision, height, width).
        let sof = try #require((0 ..< bytes.count - 9).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 5] = 0xEA; bytes[sof + 6] = 0x60  // height 60000
        bytes[sof + 7] = 0xEA; bytes[sof + 8] = 0x60  // width 60000
        #expect(throws: ImageIOError.tooManyPixels(name: "bomb.jpg", width: 60000, height: 60000, maxPixels: defaultMaxPixels)) {
            try decodeImage(Data(bytes), name: "bomb.jpg")
        }
    }

    @Test("Missing paths and folders")
    func unreadablePaths() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let missing = folder.appendingPathComponent("nope.png").path
        #expect(throws: ImageIOError.fileNotFound(path: missing)) { try readImage(at: missing) }
        #expect(throws: ImageIOError.fileNotFound(path: missing)) { try readImageHeader(at: missing) }
        let dir = folder.appendingPathComponent("dir.png").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(throws: ImageIOError.unreadable(path: dir, reason: "it is a folder, not a file")) { try readImage(at: dir) }
    }
}
