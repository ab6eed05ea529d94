import Foundation
import Testing
@testable import ImageCore

@Suite("Boundary modes and padding")
struct PaddingTests {
    let row = Image(channels: 1, height: 1, width: 4, pixels: [1, 2, 3, 4])

    @Test("each mode pads a row as documented", arguments: [
        (BoundaryMode.zero, [0, 0, 1, 2, 3, 4, 0, 0, 0] as [Float]),
        (.reflect, [2, 1, 1, 2, 3, 4, 4, 3, 2]),
        (.replicate, [1, 1, 1, 2, 3, 4, 4, 4, 4]),
        (.periodic, [3, 4, 1, 2, 3, 4, 1, 2, 3]),
    ])
    func padRow(mode: BoundaryMode, expected: [Float]) {
        let out = row.padded(top: 0, bottom: 0, left: 2, right: 3, mode: mode)
        #expect(out.pixels == expected)
    }

    @Test("padding far beyond the image repeats reflection and periodicity")
    func widePad() {
        let out = row.padded(top: 0, bottom: 0, left: 9, right: 0, mode: .reflect)
        // Half-sample symmetric extension has period 8: … 1 | 1 2 3 4 4 3 2 1 | 1 2 3 4
        #expect(Array(out.pixels.prefix(9)) == [1, 1, 2, 3, 4, 4, 3, 2, 1])
        let periodic = row.padded(top: 0, bottom: 0, left: 9, right: 0, mode: .periodic)
        #expect(Array(periodic.pixels.prefix(9)) == [4, 1, 2, 3, 4, 1, 2, 3, 4])
    }

    /// Naive twin of the row-copying `padded`: every output pixel through `sourceIndex`.
    @Test("2-D padding of a multi-channel image equals the per-pixel definition", arguments: BoundaryMode.allCases)
    func padPlanes(mode: BoundaryMode) {
        var img = Image(channels: 2, height: 5, width: 7)
        for i in img.pixels.indices { img.pixels[i] = Float(i % 13) - 3.5 }
        let (top, bottom, left, right) = (6, 2, 3, 11)
        let out = img.padded(top: top, bottom: bottom, left: left, right: right, mode: mode)
        #expect(out.height == 13 && out.width == 21)
        for c in 0 ..< 2 { for y in 0 ..< out.height { for x in 0 ..< out.width {
            let sy = mode.sourceIndex(y - top, count: 5), sx = mode.sourceIndex(x - left, count: 7)
            let expected: Float = (sy != nil && sx != nil) ? img[c, sy!, sx!] : 0
            #expect(out[c, y, x] == expected, "channel \(c) (\(x), \(y))")
        } } }
    }

    @Test("nonFiniteCount counts NaN and ±∞ anywhere, including the tail after the vector blocks")
    func nonFinite() {
        var img = Image(channels: 1, height: 7, width: 5)   // 35 values: two 16-blocks and a tail of 3
        #expect(img.nonFiniteCount == 0)
        img.pixels[3] = .nan; img.pixels[20] = .infinity; img.pixels[34] = -.infinity
        #expect(img.nonFiniteCount == 3)
        img.pixels[3] = -2; img.pixels[20] = 1e38
        #expect(img.nonFiniteCount == 1)
    }

    @Test("maxAbsDifference is the largest |a − b| in either direction, 0 for equal images, NaN when a value is NaN")
    func maxAbsDifference() {
        let a = Image(channels: 2, height: 3, width: 5, pixels: (0 ..< 30).map { Float($0) / 7 })
        var b = a
        #expect(a.maxAbsDifference(b) == 0)
        b.pixels[29] -= 0.25; b.pixels[4] += 0.125   // the largest in the last value, below the first
        #expect(a.maxAbsDifference(b) == 0.25 && b.maxAbsDifference(a) == 0.25)
        b.pixels[17] = .nan
        #expect(a.maxAbsDifference(b).isNaN)
    }

    @Test("crop then pad restores the interior and rejects out-of-bounds crops")
    func cropBounds() throws {
        var img = Image(channels: 2, height: 5, width: 7)
        for i in img.pixels.indices { img.pixels[i] = Float(i) }
        let c = try img.cropped(x: 2, y: 1, width: 3, height: 2)
        #expect(c.pixels == [9, 10, 11, 16, 17, 18, 44, 45, 46, 51, 52, 53])
        #expect(throws: ImageCoreError.self) { try img.cropped(x: 5, y: 0, width: 3, height: 2) }
        #expect(throws: ImageCoreError.self) { try img.cropped(x: 0, y: 0, width: 0, height: 2) }
    }
}

@Suite("Resizing and colour")
struct ResizeColourTests {
    @Test("area resize by 2 averages 2×2 blocks; identity size is exact")
    func areaHalf() throws {
        let img = Image(channels: 1, height: 2, width: 4, pixels: [1, 3, 5, 7, 3, 5, 7, 9])
        let half = try img.resized(width: 2, height: 1, method: .area)
        #expect(half.pixels == [3, 7])
        #expect(try img.resized(width: 4, height: 2, method: .bilinear) == img)
        #expect(try img.resized(width: 4, height: 2, method: .area) == img)
    }

    @Test("area resize to a non-integer factor keeps the mean")
    func areaMean() throws {
        var img = Image(channels: 1, height: 7, width: 5)
        var rng = SeededRNG(seed: 3)
        for i in img.pixels.indices { img.pixels[i] = Float(rng.uniform()) }
        let small = try img.resized(width: 3, height: 4, method: .area)
        #expect(abs(small.sum / 12 - img.sum / 35) < 1e-5)
    }

    @Test("bilinear 2× upsampling of a ramp matches align_corners=False values")
    func bilinearRamp() throws {
        let img = Image(channels: 1, height: 1, width: 2, pixels: [0, 1])
        let up = try img.resized(width: 4, height: 1, method: .bilinear)
        // PyTorch F.interpolate(mode="bilinear", align_corners=False): [0, 0.25, 0.75, 1]
        #expect(up.pixels == [0, 0.25, 0.75, 1])
    }

    @Test("BT.601 luma of pure colours and gray round trip")
    func luma() throws {
        let rgb = Image(channels: 3, height: 1, width: 3, pixels: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let y = try rgb.luma()
        #expect(y.pixels == [0.299, 0.587, 0.114])
        #expect(try y.rgb().channels == 3)
        #expect(throws: ImageCoreError.self) { try Image(channels: 2, height: 1, width: 1).luma() }
    }
}

@Suite("Seeded randomness and parallelFor")
struct RandomParallelTests {
    @Test("the same seed repeats, another seed differs, streams differ")
    func seeds() {
        var a = SeededRNG(seed: 42), b = SeededRNG(seed: 42), c = SeededRNG(seed: 43)
        let xa = (0 ..< 8).map { _ in a.next() }, xb = (0 ..< 8).map { _ in b.next() }
        let xc = (0 ..< 8).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
        var s1 = SeededRNG(seed: 42, stream: 1)
        #expect(s1.next() != xa[0])
    }

    @Test("normal draws have mean 0 and variance 1 within sampling error")
    func normalMoments() {
        var rng = SeededRNG(seed: 7)
        let n = 200_000
        var sum = 0.0, sq = 0.0
        for _ in 0 ..< n { let z = rng.normal(); sum += z; sq += z * z }
        let mean = sum / Double(n), variance = sq / Double(n) - mean * mean
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.015)
    }

    @Test("Poisson draws have mean and variance λ", arguments: [3.0, 150.0])
    func poissonMoments(lambda: Double) {
        var rng = SeededRNG(seed: 11)
        let n = 100_000
        var sum = 0.0, sq = 0.0
        for _ in 0 ..< n { let k = rng.poisson(mean: lambda); sum += k; sq += k * k }
        let mean = sum / Double(n), variance = sq / Double(n) - mean * mean
        #expect(abs(mean - lambda) / lambda < 0.01)
        #expect(abs(variance - lambda) / lambda < 0.03)
    }

    @Test("parallelFor visits every index exactly once")
    func visitsAll() {
        let n = 1001
        var hits = [Int](repeating: 0, count: n)
        hits.withUnsafeMutableBufferPointer { buf in
            parallelFor(n, threads: 3) { i in buf[i] += 1 }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }
}

@Suite("Atomic writes")
struct AtomicFileTests {
    @Test("a write replaces the file whole and leaves no temporary behind")
    func replaces() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UInt32.random(in: 0 ... .max))")
        let url = dir.appendingPathComponent("x.bin")
        try writeAtomically(Data([1, 2, 3]), to: url)
        try writeAtomically(Data([4]), to: url)
        #expect(try Data(contentsOf: url) == Data([4]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.bin"])
        try FileManager.default.removeItem(at: dir)
    }

    @Test("an unwritable destination names the path")
    func unwritable() {
        let url = URL(fileURLWithPath: "/proc/definitely/not/here.bin")
        #expect(throws: AtomicFileError.self) { try writeAtomically(Data([1]), to: url) }
    }

    @Test("temporaries of killed processes are swept by the next write into their folder; live ones and other files stay")
    func staleTemporaries() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A child process that has exited: its PID names no process any more.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        let own = ProcessInfo.processInfo.processIdentifier
        let names = [".results.csv.tmp-\(dead)-12345", ".report.html.tmp-\(own)-7", ".live.tmp-1-99", ".notes.tmp-1-x", "keep.csv", ".hidden"]
        for name in names { try Data([0]).write(to: dir.appendingPathComponent(name)) }
        // PID 1 (init) lives: its temporary stays, as do this process's and non-matching names.
        try writeAtomically(Data([1]), to: dir.appendingPathComponent("results.csv"))
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(!left.contains(".results.csv.tmp-\(dead)-12345"))
        #expect(left.isSuperset(of: [".report.html.tmp-\(own)-7", ".live.tmp-1-99", ".notes.tmp-1-x", "keep.csv", ".hidden", "results.csv"]))
        #expect(removeStaleTemporaries(in: dir).isEmpty)
    }
}
