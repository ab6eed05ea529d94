import Foundation
import ImageCore

/// A seeded mutation fuzzer: it takes the inputs of a corpus, changes them the way libFuzzer's
/// mutators do (flip bits, overwrite bytes with interesting values, insert, erase, duplicate and
/// splice ranges, truncate), optionally repairs a format's checksums so the change reaches the parser
/// behind them, and runs a target on each. The same seed gives the same inputs.
///
/// We use our own driver rather than libFuzzer (`-sanitize=fuzzer`) so that the fuzzing runs in every
/// `make test` without a second, instrumented build of the whole dependency tree (the multipart
/// parser sits in the web app, which brings Hummingbird and SwiftNIO); it has no coverage feedback,
/// which the format-aware repairs and the seed corpus make up for in part.
public struct Mutator {
    var rng: SeededRNG
    /// Values that break parsers: boundaries of signed and unsigned bytes.
    static let interesting: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0xFE, 0x10, 0x40]

    public init(seed: UInt64) { rng = SeededRNG(seed: seed) }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    /// One to four random mutations of `input` (never empty unless `input` is a single byte that is truncated).
    public mutating func mutate(_ input: [UInt8], corpus: [[UInt8]]) -> [UInt8] {
        var bytes = input.isEmpty ? [0] : input
        for _ in 0 ... below(4) {
            switch below(9) {
            case 0:   // flip a bit
                let i = below(bytes.count)
                bytes[i] ^= UInt8(1) << UInt8(below(8))
            case 1:   // an interesting byte
                bytes[below(bytes.count)] = Self.interesting[below(Self.interesting.count)]
            case 2:   // a random byte
                bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
            case 3:   // insert random bytes
                let count = 1 + below(16)
                bytes.insert(contentsOf: (0 ..< count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: below(bytes.count + 1))
            case 4:   // erase a range
                guard bytes.count > 1 else { continue }
                let start = below(bytes.count), end = min(bytes.count, start + 1 + below(32))
                bytes.removeSubrange(start ..< end)
            case 5:   // duplicate a range somewhere else
                let start = below(bytes.count), end = min(bytes.count, start + 1 + below(64))
                bytes.insert(contentsOf: bytes[start ..< end], at: below(bytes.count + 1))
            case 6:   // splice in a piece of another corpus input
                guard let other = corpus.isEmpty ? nil : corpus[below(corpus.count)], !other.isEmpty else { continue }
                let start = below(other.count), end = min(other.count, start + 1 + below(256))
                let at = below(bytes.count)
                bytes.replaceSubrange(at ..< min(bytes.count, at + end - start), with: other[start ..< end])
            case 7:   // truncate
                bytes = Array(bytes.prefix(max(1, below(bytes.count))))
            default:  // a multi-byte integer field set to an extreme (sizes, lengths, dimensions)
                guard bytes.count >= 4 else { continue }
                let i = below(bytes.count - 3)
                let value: UInt32 = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 0x0001_0000][below(6)]
                for k in 0 ..< 4 { bytes[i + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(3 - k))) }
            }
            if bytes.isEmpty { bytes = [0] }
        }
        return bytes
    }
}

/// Recomputes the CRC-32 of every complete PNG chunk, so that a mutation inside a chunk reaches
/// libpng's parsing of it instead of stopping at the checksum.
public func repairPNGChecksums(_ bytes: inout [UInt8]) {
    guard bytes.count > 8 else { return }
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = Int(UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
        let end = offset + 8 + length
        guard length >= 0, end + 4 <= bytes.count else { return }
        let crc = crc32(bytes[(offset + 4) ..< end])
        for k in 0 ..< 4 { bytes[end + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(3 - k))) }
        offset = end + 4
    }
}

/// CRC-32 (ISO 3309, as PNG and zlib use it).
public func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0 ..< 8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}

/// What one fuzzing run did.
public struct FuzzReport: Sendable {
    public var target: String
    public var executions = 0
    public var seconds = 0.0
    /// Inputs that the target accepted (parsed without an error).
    public var accepted = 0
    /// The slowest single execution, in seconds, and inputs slower than the hang limit (saved).
    public var slowest = 0.0
    public var hangs: [String] = []
    /// Failures of the target's own checks (a wrong error type, a message without the file's name…).
    public var failures: [String] = []
}

/// Runs `target` on mutations of `corpus` until `executions` inputs or `seconds` have passed.
/// Before each execution the input is written to `current` (if given), so that if the target crashes
/// the process, the input that did it is on disk.
/// - Parameter target: returns true when the input was accepted, false when it was refused as it
///   should be; throws `FuzzFailure` for a refusal of the wrong kind.
public func fuzz(target name: String, corpus: [[UInt8]], seed: UInt64, executions: Int, seconds: Double, hangLimit: Double = 1,
                 current: URL? = nil, repair: (inout [UInt8]) -> Void = { _ in },
                 _ target: ([UInt8]) throws -> Bool) -> FuzzReport {
    var mutator = Mutator(seed: seed)
    var report = FuzzReport(target: name)
    let start = Date()
    let handle = current.flatMap { url -> FileHandle? in
        FileManager.default.createFile(atPath: url.path, contents: nil)
        return try? FileHandle(forWritingTo: url)
    }
    defer { try? handle?.close() }
    let seeds = corpus.isEmpty ? [[0]] : corpus
    while report.executions < executions, Date().timeIntervalSince(start) < seconds {
        var input = report.executions < seeds.count ? seeds[report.executions] : mutator.mutate(seeds[mutator.below(seeds.count)], corpus: seeds)
        if report.executions >= seeds.count { repair(&input) }
        if let handle {
            try? handle.truncate(atOffset: 0)
            try? handle.write(contentsOf: Data(input))
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        do {
            if try target(input) { report.accepted += 1 }
        } catch {
            if report.failures.count < 20 { report.failures.append("\(error) (input of \(input.count) bytes)") }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        report.slowest = max(report.slowest, elapsed)
        if elapsed > hangLimit, report.hangs.count < 20 { report.hangs.append(Data(input).base64EncodedString()) }
        report.executions += 1
    }
    report.seconds = Date().timeIntervalSince(start)
    return report
}

/// A target's refusal of the wrong kind (the wrong error type, a message that does not name the input).
public struct FuzzFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
