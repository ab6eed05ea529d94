import Foundation
import Reporting

extension Summary {
    /// The spread of a cell: a t interval from 5 values on, the observed range below (`CellSpread`).
    public func spread(label: String, metric: String, blur: String? = nil) -> CellSpread {
        CellSpread(okRows(label: label, blur: blur).compactMap { $0.metrics[metric] })
    }

    /// Per-image `metric` of `a` minus `b`, over images where both were scored.
    public func pairedDifferences(_ a: String, _ b: String, metric: String) -> [Double] {
        let ra = Dictionary(okRows(label: a).compactMap { r in r.metrics[metric].map { (r.image, $0) } }, uniquingKeysWith: { x, _ in x })
        let rb = Dictionary(okRows(label: b).compactMap { r in r.metrics[metric].map { (r.image, $0) } }, uniquingKeysWith: { x, _ in x })
        return ra.keys.sorted().compactMap { k in rb[k].map { ra[k]! - $0 } }.filter(\.isFinite)
    }

    /// The classical row with the best mean `metric` (true-PSF and estimated-PSF rows alike).
    public func bestClassical(metric: String, higherIsBetter: Bool) -> String? {
        let classical = labels.filter { l in rows.first { $0.label == l }?.family == .classical }
        let scored = classical.map { ($0, stat(label: $0, metric: metric).mean) }.filter { $0.1.isFinite }
        return (higherIsBetter ? scored.max { $0.1 < $1.1 } : scored.min { $0.1 < $1.1 })?.0
    }
}

extension ReportWriter {
    /// A cell's mean with its spread: "m ± h" (t interval, n ≥ 5), "m (lo–hi)" (range, n < 5).
    static func fmt(_ c: CellSpread, digits: Int) -> String {
        guard c.mean.isFinite else { return c.count == 0 ? "—" : (c.mean > 0 ? "∞" : "nan") }
        let f = { (v: Double) in String(format: "%.\(digits)f", v) }
        switch c.kind {
        case .tInterval: return f(c.mean) + " ± " + f((c.upper! - c.lower!) / 2)
        case .range where c.count > 1: return f(c.mean) + " (" + f(c.lower!) + "–" + f(c.upper!) + ")"
        default: return f(c.mean)
        }
    }

    /// The sentence under a table whose cells follow `CellSpread`'s rule.
    static let spreadNote = "Mean ± 95% Student-t half-width when a cell has at least \(CellSpread.minimumCountForInterval) images; "
        + "below that, mean (min–max): a t interval on 2–4 values is wider than anything the data showed."

    /// Every other row against the best classical row on per-image PSNR: mean difference, wins, and
    /// the two-sided Wilcoxon signed-rank p-value (`WilcoxonSignedRank`, as SciPy's defaults).
    static func pairedTestTable(_ s: Summary, info: RunInfo) -> (reference: String, table: Table)? {
        guard let m = info.metrics.first(where: { $0.id == "psnr" }),
              let best = s.bestClassical(metric: m.id, higherIsBetter: m.higherIsBetter) else { return nil }
        var table = Table(header: ["method", "n", "mean Δ PSNR (dB)", "wins", "Wilcoxon p", "verdict at 5 %"])
        for label in s.labels where label != best {
            let d = s.pairedDifferences(label, best, metric: m.id)
            guard !d.isEmpty else { continue }
            let mean = d.reduce(0, +) / Double(d.count)
            let wins = d.filter { $0 > 0 }.count
            let test = WilcoxonSignedRank(differences: d)
            let verdict: String
            if let p = test?.pValue, p < 0.05 { verdict = mean > 0 ? "better" : "worse" } else { verdict = "no clear difference" }
            table.append([Cell(label), Cell("\(d.count)"), Cell(String(format: "%+.2f", mean)), Cell("\(wins)/\(d.count)"),
                          Cell(test.map { String(format: $0.pValue < 0.001 ? "%.1e" : "%.3f", $0.pValue) } ?? "—"),
                          Cell(verdict, isBest: verdict == "better")])
        }
        return (best, table)
    }

    static func pairedTestBlocks(_ s: Summary, info: RunInfo, heading: Bool) -> [Block] {
        guard let (best, table) = pairedTestTable(s, info: info) else { return [] }
        var blocks: [Block] = heading ? [.heading(level: 2, [.text("Paired test against the best classical row")])] : []
        blocks.append(.paragraph([.text("Per-image PSNR of each row minus \(best) (the classical row with the best mean PSNR), "
            + "over the images both scored; p from the two-sided Wilcoxon signed-rank test (exact for n ≤ 50 without ties, as SciPy). "
            + "With many rows some p < 0.05 happen by chance: read the verdicts as a guide, not a proof.")], cssClass: "note"))
        blocks.append(.table(table))
        return blocks
    }
}
