import Foundation
import ImageCore
import Reporting

/// What a report says about how it was made (stored as `run.json`; shards must agree on it).
public struct RunInfo: Codable, Sendable, Equatable {
    public struct MethodInfo: Codable, Sendable, Equatable {
        public var name, family, summary: String
        /// `RestorationMethod.fingerprint` (nil in run files written before it was recorded).
        public var fingerprint: String? = nil
    }
    public struct MetricInfo: Codable, Sendable, Equatable {
        public var id, name, variant: String
        public var higherIsBetter: Bool
    }
    public var selection: CaseSelection
    public var dataset: String
    public var layout: String
    public var testScenes: [String]
    public var caseCount: Int
    public var methods: [MethodInfo]
    public var metrics: [MetricInfo]
    public var psfModes: [PSFMode]
    public var psfEstimator: String?
    public var versions: [String: String]
    public var gitCommit: String

    /// True when two runs draw the same cases (data, split, blur, noise and seeds; not the limit).
    public func hasSameCases(as other: RunInfo) -> Bool {
        selection.data == other.selection.data && selection.split == other.selection.split
            && selection.splitSeed == other.selection.splitSeed && selection.blur == other.selection.blur
            && selection.scenes == other.selection.scenes
            && selection.noiseSigma == other.selection.noiseSigma && selection.seed == other.selection.seed
    }

    /// True when two runs restored the same cases the same way (shards of one comparison).
    public func isCompatible(with other: RunInfo) -> Bool {
        hasSameCases(as: other) && methods == other.methods && metrics == other.metrics && psfModes == other.psfModes
    }
}

/// Writes `report.html`, `report.md`, `results.csv` and `results.json` from rows. This file and
/// `ComparisonPage.swift` prepare the data (tables, charts, pictures); `Reporting` lays it out.
public enum ReportWriter {
    public static func write(rows allRows: [ResultRow], info: RunInfo, to dir: URL) throws {
        let rows = allRows.sorted { ($0.image, $0.method, $0.psfMode) < ($1.image, $1.method, $1.psfMode) }
        let methodOrder = info.methods.map(\.name)
        let summary = Summary(rows: rows, methodOrder: methodOrder, metricIDs: info.metrics.map(\.id))
        try writeAtomically(Data(csv(rows, metrics: info.metrics).utf8), to: dir.appendingPathComponent("results.csv"))
        let enc = RowStore.encoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        struct Results: Encodable { let run: RunInfo; let rows: [ResultRow] }
        try writeAtomically(try enc.encode(Results(run: info, rows: rows)), to: dir.appendingPathComponent("results.json"))
        try writeAtomically(Data(markdown(summary, info: info).utf8), to: dir.appendingPathComponent("report.md"))
        try writeAtomically(Data(html(summary, info: info, assets: dir.appendingPathComponent("assets")).utf8),
                            to: dir.appendingPathComponent("report.html"))
    }

    /// `results.csv`: one line per row, every metric in `metrics` order.
    static func csv(_ rows: [ResultRow], metrics: [RunInfo.MetricInfo]) -> String {
        let header = ["image", "scene", "blur", "psf", "method", "family", "psf_mode", "status", "seconds", "clipped_fraction"]
            + metrics.map(\.id) + ["estimated_psf", "note"]
        return csvDocument(header: header, rows: rows.map { r in
            [r.image, r.scene, r.blur, r.psf ?? "", r.method, r.family.rawValue, r.psfMode.rawValue, r.status.rawValue,
             r.seconds.map { String(format: "%.4f", $0) } ?? "", r.clipped.map { String(format: "%.6f", $0) } ?? ""]
                + metrics.map { m in r.metrics[m.id].map { $0.isFinite ? String(format: "%.6g", $0) : "inf" } ?? "" }
                + [r.estimatedPSF ?? "", r.note ?? ""]
        })
    }

    /// A mean with its 95 % half-width: "—" without values, "∞" / "nan" when not finite.
    static func fmt(_ m: MeanCI, digits: Int) -> String {
        guard m.mean.isFinite else { return m.count == 0 ? "—" : (m.mean > 0 ? "∞" : "nan") }
        let mean = String(format: "%.\(digits)f", m.mean)
        return m.halfWidth.map { mean + " ± " + String(format: "%.\(digits)f", $0) } ?? mean
    }

    static func digits(_ id: String) -> Int { id == "psnr" ? 2 : 3 }

    /// `report.md`: the summary table (with time per image), PSNR by blur kind, and what was not scored.
    public static func markdown(_ s: Summary, info: RunInfo) -> String {
        var blocks: [Block] = [
            .paragraph([.text("Mean over \(imageCount(s)) images (\(info.selection.data), \(info.selection.split.rawValue) split, "
                + "blur \(info.selection.blur), σ = \(info.selection.noiseSigma), seed \(info.selection.seed)). " + spreadNote + " "), .bold("bold"), .text(" = best.")]),
            .table(metricTable(s, info: info, blur: nil, lastColumn: ("s / image", { fmt(s.time(label: $0), digits: 3) }))),
        ]
        if s.blurKinds.count > 1, let psnr = info.metrics.first(where: { $0.id == "psnr" }) {
            blocks.append(.paragraph([.text("PSNR (dB) by blur kind (n = images per cell):")]))
            blocks.append(.table(psnrByBlurTable(s, psnr: psnr)))
        }
        blocks += pairedTestBlocks(s, info: info, heading: false)
        if let notScored = notScoredGroups(s) {
            blocks.append(.paragraph([.text("Not scored: " + notScored.map { "\($0.key) (\($0.count) images)" }.joined(separator: "; "))]))
        }
        return MarkdownWriter.document(blocks)
    }

    static func imageCount(_ s: Summary) -> Int { Set(s.rows.map(\.image)).count }

    /// One row per method label, one column per metric (mean ± CI, best in bold), then `lastColumn`.
    static func metricTable(_ s: Summary, info: RunInfo, blur: String?, lastColumn: (String, (String) -> String)) -> Table {
        var table = Table(header: ["method"] + info.metrics.map { Cell("\($0.name) \($0.higherIsBetter ? "↑" : "↓")") } + [Cell(lastColumn.0)])
        for label in s.labels {
            let family = s.rows.first { $0.label == label }?.family
            let cells = info.metrics.map { m in
                Cell(fmt(s.spread(label: label, metric: m.id, blur: blur), digits: digits(m.id)),
                     isBest: s.best(metric: m.id, higherIsBetter: m.higherIsBetter, blur: blur) == label)
            }
            table.append([Cell(label)] + cells + [Cell(lastColumn.1(label))], cssClass: family == .input ? "input" : nil)
        }
        return table
    }

    /// PSNR per method (rows) and blur kind (columns, with the number of images), best in bold.
    static func psnrByBlurTable(_ s: Summary, psnr: RunInfo.MetricInfo) -> Table {
        let counts = s.blurKinds.map { k in Set(s.rows.filter { $0.blur == k }.map(\.image)).count }
        var table = Table(header: ["method"] + zip(s.blurKinds, counts).map { Cell("\($0.0) (n = \($0.1))") })
        for label in s.labels {
            table.append([Cell(label)] + s.blurKinds.map { k in
                Cell(fmt(s.spread(label: label, metric: "psnr", blur: k), digits: 2),
                     isBest: s.best(metric: "psnr", higherIsBetter: psnr.higherIsBetter, blur: k) == label)
            })
        }
        return table
    }

    /// Rows that were not scored, grouped by "label: status — note" (sorted), or nil when all were.
    static func notScoredGroups(_ s: Summary) -> [(key: String, count: Int)]? {
        let missing = s.rows.filter { $0.status != .ok }
        guard !missing.isEmpty else { return nil }
        let groups = Dictionary(grouping: missing) { "\($0.label): \($0.status.rawValue) — \($0.note ?? "")" }
        return groups.keys.sorted().map { ($0, groups[$0]!.count) }
    }
}
