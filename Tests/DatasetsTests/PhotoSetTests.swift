import Foundation
import Testing
@testable import Datasets
import ImageCore
import ImageIO

/// The committed lists, found from this file's path.
enum CommittedLists {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts")

    static func photos() throws -> [PhotoRecord] { try PhotoSet.read(at: scripts.appendingPathComponent("photos.tsv")) }

    /// scene → tags of the scikit-image list (`file sha256 licence source tags`).
    static func skimageTags() throws -> [String: Set<String>] {
        let text = try String(contentsOf: scripts.appendingPathComponent("builtin-images.tsv"), encoding: .utf8)
        var tags: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5 else { continue }
            tags[(f[0] as NSString).deletingPathExtension] = Set(f[4].split(separator: ",").map(String.init).filter { $0 != "-" })
        }
        return tags
    }

    /// The built-in set's scenes and tags, as `scripts/fetch-data.sh` writes them to `scenes.tsv`.
    static func builtinTags() throws -> [String: Set<String>] {
        var tags = try skimageTags()
        for p in try photos() { tags[p.scene] = p.tags }
        return tags
    }
}

@Suite("Photographs from Debian wallpaper packages")
struct PhotoListTests {
    @Test("the committed list parses: ~30 photographs, free licences, long side ≤ 1024 after the integer factor")
    func listParses() throws {
        let photos = try CommittedLists.photos()
        #expect(photos.count >= 30)
        let free: Set<String> = ["CC0-1.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "GPL-2+"]
        for p in photos {
            #expect(free.contains(p.licence), "\(p.file): licence \(p.licence)")
            #expect(max(p.outputWidth, p.outputHeight) <= 1024 && max(p.outputWidth, p.outputHeight) > 512, "\(p.file)")
            #expect(["lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04", "mate-backgrounds", "plasma-workspace-wallpapers"].contains(p.package))
        }
        let skimage = try CommittedLists.skimageTags()
        #expect(skimage.count == 10)
        #expect(Set(photos.map(\.scene)).isDisjoint(with: skimage.keys), "a photograph would overwrite a scikit-image scene")
    }

    @Test("bad lines are refused with the line number and the reason")
    func badLines() throws {
        let good = "x.png\tpkg\t1\ta/b.jpg\t\(String(repeating: "ab", count: 32))\t2048\t1000\t2\tA\tCC0-1.0\t-\tnote"
        #expect(try PhotoSet.parse("# header\n" + good).count == 1)
        let cases: [(String, String)] = [
            (good.replacingOccurrences(of: "\t2\tA", with: "\t3\tA"), "factor '3' should be 2"),
            (good.replacingOccurrences(of: "abab", with: "ABAB"), "not 64 lower-case hex digits"),
            (good.replacingOccurrences(of: "\tnote", with: ""), "expected 12 tab-separated columns"),
            (good.replacingOccurrences(of: "\t-\t", with: "\tblurry\t"), "unknown tag 'blurry'"),
            (good + "\n" + good, "listed twice"),
        ]
        for (text, reason) in cases {
            do {
                _ = try PhotoSet.parse("# header\n" + text)
                Issue.record("accepted: \(reason)")
            } catch let DatasetError.photoListInvalid(line, message) {
                #expect(line >= 2 && message.contains(reason), "\(message)")
            }
        }
    }
}

@Suite("Area-averaging downscaler")
struct DownscaleTests {
    @Test("a constant image stays exactly constant for every factor")
    func constant() throws {
        for k in 1 ... 7 {
            let v: Float = 0.123_456_7
            let out = try downscaleByAveraging(Image(channels: 3, height: 5 * k + k - 1, width: 4 * k + k / 2, value: v), factor: k)
            #expect(out.width == 4 && out.height == 5 && out.channels == 3)
            #expect(out.pixels.allSatisfy { $0 == v }, "factor \(k)")
        }
    }

    @Test("2×2 blocks of distinct values come back exactly, and the remainder is cropped evenly")
    func blocks() throws {
        // 3×4 blocks of 2×2 pixels, values b/255 (b = 8-bit levels); one spare column each side and one
        // row below, which must be cropped.
        let levels: [[Float]] = [[0, 17, 255, 128], [3, 99, 200, 1], [250, 64, 65, 7]]
        var img = Image(channels: 1, height: 7, width: 10, value: 1)
        for y in 0 ..< 6 { for x in 0 ..< 8 { img[0, y, x + 1] = levels[y / 2][x / 2] / 255 } }
        let out = try downscaleByAveraging(img, factor: 2)
        #expect(out.width == 5 && out.height == 3)
        // width 10 → 5 blocks from x0 = 0; rebuild the expected means directly.
        for oy in 0 ..< 3 {
            for ox in 0 ..< 5 {
                var s = 0.0
                for dy in 0 ..< 2 { for dx in 0 ..< 2 { s += Double(img[0, 2 * oy + dy, 2 * ox + dx]) } }
                #expect(out[0, oy, ox] == Float(s / 4))
            }
        }
        // Now the aligned case: crop the spare column so the blocks line up; every block is exact.
        var aligned = Image(channels: 1, height: 7, width: 9, value: 1)
        for y in 0 ..< 7 { for x in 0 ..< 9 { aligned[0, y, x] = img[0, y, x + 1] } }
        let exact = try downscaleByAveraging(aligned, factor: 2)   // 9 % 2 = 1 → x0 = 0, 7 % 2 = 1 → y0 = 0
        #expect(exact.width == 4 && exact.height == 3)
        for oy in 0 ..< 3 { for ox in 0 ..< 4 { #expect(exact[0, oy, ox] == levels[oy][ox] / 255) } }
        // An even remainder is split: width 8, factor 3 → x0 = 1.
        var shifted = Image(channels: 1, height: 3, width: 8, value: 0)
        for y in 0 ..< 3 { for x in 1 ... 6 { shifted[0, y, x] = x <= 3 ? 0.25 : 0.75 } }
        let s = try downscaleByAveraging(shifted, factor: 3)
        #expect(s.pixels == [0.25, 0.75])
    }

    @Test("the factor rule and refused factors")
    func factors() throws {
        #expect(integerDownscaleFactor(width: 6028, height: 3391) == 6)
        #expect(integerDownscaleFactor(width: 2048, height: 1000) == 2)
        #expect(integerDownscaleFactor(width: 2049, height: 1000) == 3)
        #expect(integerDownscaleFactor(width: 800, height: 600) == 1)
        #expect(throws: DatasetError.invalidDownscaleFactor(factor: 0, width: 4, height: 4)) {
            try downscaleByAveraging(Image(channels: 1, height: 4, width: 4), factor: 0)
        }
        #expect(throws: DatasetError.invalidDownscaleFactor(factor: 5, width: 4, height: 8)) {
            try downscaleByAveraging(Image(channels: 1, height: 8, width: 4), factor: 5)
        }
    }
}

@Suite("Preparing the photographs")
struct PhotoPreparationTests {
    /// A folder with one 8×6 RGB original made of 2×2 blocks, written as PNG, and its record.
    func original(sha: String? = nil) throws -> (record: PhotoRecord, originals: URL, out: URL, blocks: Image) {
        let originals = try makeTree([]), out = try makeTree([])
        var blocks = Image(channels: 3, height: 3, width: 4)
        for i in blocks.pixels.indices { blocks.pixels[i] = Float((i * 37) % 256) / 255 }
        var big = Image(channels: 3, height: 6, width: 8)
        for c in 0 ..< 3 { for y in 0 ..< 6 { for x in 0 ..< 8 { big[c, y, x] = blocks[c, y / 2, x / 2] } } }
        let url = originals.appendingPathComponent("tiny.png")
        try writeImage(big, to: url.path)
        let record = PhotoRecord(file: "tiny.png", package: "p", version: "1", path: "usr/x/Tiny.png",
                                 sha256: try sha ?? SHA256.hex(fileAt: url.path), width: 8, height: 6, factor: 2,
                                 author: "A", licence: "CC0-1.0", tags: [], note: "")
        return (record, originals, out, blocks)
    }

    @Test("a verified original is downscaled into an exact 8-bit PNG; present files are left alone")
    func writes() throws {
        let (record, originals, out, blocks) = try original()
        #expect(try PhotoSet.prepare([record], originals: originals, into: out) == ["tiny.png"])
        let small = try readImage(at: out.appendingPathComponent("tiny.png").path)
        #expect(small.width == 4 && small.height == 3 && small.pixels == blocks.pixels)
        #expect(try PhotoSet.prepare([record], originals: originals, into: out).isEmpty)
    }

    @Test("a wrong SHA-256 is refused with a sentence naming the file, and nothing is written")
    func wrongHash() throws {
        let (record, originals, out, _) = try original(sha: String(repeating: "0", count: 64))
        do {
            try PhotoSet.prepare([record], originals: originals, into: out)
            Issue.record("a wrong hash was accepted")
        } catch let error as DatasetError {
            guard case let .photoChecksumMismatch(path, expected, _) = error else { Issue.record("\(error)"); return }
            #expect(path.hasSuffix("tiny.png") && expected == record.sha256)
            #expect(error.localizedDescription.contains("tiny.png") && error.localizedDescription.contains("refused"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }

    @Test("a missing original names the fetch command")
    func missing() throws {
        let (record, _, out, _) = try original()
        let empty = try makeTree([])
        #expect(throws: DatasetError.photoOriginalMissing(path: empty.appendingPathComponent("tiny.png").path)) {
            try PhotoSet.prepare([record], originals: empty, into: out)
        }
    }
}
