import Foundation
import ImageCore

/// One (case, method, PSF mode) result: the unit of work, of resumption and of every table.
public struct ResultRow: Codable, Sendable, Equatable {
    public var image: String
    public var scene: String
    public var blur: String
    /// True PSF spec, when known.
    public var psf: String?
    public var method: String
    public var family: MethodFamily
    /// `true` / `estimated` (classical methods), `none` (the input and learned methods).
    public var psfMode: PSFMode
    /// `ok`, `unavailable` (e.g. no PSF estimator in this build, no true PSF for real blur) or `failed`.
    public var status: RowStatus
    public var note: String?
    /// Wall time of the restoration (not scoring), seconds; estimated-PSF rows include the estimation.
    public var seconds: Double?
    /// Share of output values outside [0, 1] that were clipped before scoring (as when written as 8-bit).
    public var clipped: Double?
    public var metrics: [String: Double]
    /// The estimated PSF's spec or size, for estimated rows.
    public var estimatedPSF: String?

    public var key: String { Self.key(image: image, method: method, psfMode: psfMode) }
    /// The identity of a row: what resumption skips and merging de-duplicates.
    public static func key(image: String, method: String, psfMode: PSFMode) -> String { "\(image)|\(method)|\(psfMode.rawValue)" }
    /// The row label in tables: `wiener`, `wiener (est. PSF)`.
    public var label: String { psfMode == .estimated ? "\(method) (est. PSF)" : method }

    enum CodingKeys: String, CodingKey {
        case image, scene, blur, psf, method, family, psfMode = "psf_mode", status, note, seconds, clipped, metrics
        case estimatedPSF = "estimated_psf"
    }
}

/// Rows streamed to `rows.jsonl`, one JSON object per line, flushed after every row: an interrupted
/// run loses at most the row being written, and a re-run skips every finished key.
public final class RowStore: @unchecked Sendable {
    public let url: URL
    private let lock = NSLock()
    private var handle: FileHandle?
    public private(set) var rows: [String: ResultRow] = [:]

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Opens (creating if needed) the store; a torn last line from an interrupted run is dropped, and
    /// so are the rows `discarding` selects (they will be computed again).
    /// - Throws: `WorkbenchError.storeCorrupt` for an unreadable line elsewhere.
    public init(url: URL, discarding: (ResultRow) -> Bool = { _ in false }) throws {
        self.url = url
        rows = try Self.read(url).filter { !discarding($0.value) }
        // Rewrite cleanly (drops a torn tail), then append.
        var text = ""
        let enc = Self.encoder()
        for row in rows.values.sorted(by: { $0.key < $1.key }) { text += String(decoding: try enc.encode(row), as: UTF8.self) + "\n" }
        try writeAtomically(Data(text.utf8), to: url)
        handle = try FileHandle(forWritingTo: url)
        try handle!.seekToEnd()
    }

    deinit { try? handle?.close() }

    /// Rows of a store file (later rows with the same key win).
    public static func read(_ url: URL) throws -> [String: ResultRow] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var out: [String: ResultRow] = [:]
        let dec = decoder()
        for (i, line) in lines.enumerated() where !line.isEmpty {
            do {
                let row = try dec.decode(ResultRow.self, from: Data(line))
                out[row.key] = row
            } catch {
                let isTornTail = i == lines.count - 1 || (i == lines.count - 2 && lines.last!.isEmpty && data.last != UInt8(ascii: "\n"))
                if isTornTail { continue }
                throw WorkbenchError.storeCorrupt(path: url.path, line: i + 1)
            }
        }
        return out
    }

    public func contains(_ key: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return rows[key] != nil
    }

    public func append(_ row: ResultRow) throws {
        let line = String(decoding: try Self.encoder().encode(row), as: UTF8.self) + "\n"
        lock.lock(); defer { lock.unlock() }
        try handle!.write(contentsOf: Data(line.utf8))
        try handle!.synchronize()
        rows[row.key] = row
    }
}
