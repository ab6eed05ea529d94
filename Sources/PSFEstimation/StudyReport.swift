import Foundation
import ImageCore
import ImageIO
import Reporting

/// What a report says about how it was made.
public struct PSFStudyProvenance: Codable, Sendable {
    public var title: String
    public var data: String
    public var command: String
    public var side: Int
    public var seed: UInt64
    public var totalSeconds: Double
    public var threads: Int
    /// Sentences about the data (benchmark kernel orientation, skipped files), shown under the method paragraph.
    public var notes: [String]

    public init(title: String, data: String, command: String, side: Int, seed: UInt64, totalSeconds: Double, threads: Int,
                notes: [String] = []) {
        self.notes = notes
        self.title = title
        self.data = data
        self.command = command
        self.side = side
        self.seed = seed
        self.totalSeconds = totalSeconds
        self.threads = threads
    }
}

/// Writes `index.html` (self-contained: inline SVG charts, no scripts), `rows.csv`, `rows.json`
/// and `summary.json` into `directory`, each atomically. This file prepares the data (tables and
/// charts, one function per section of the page); `Reporting` lays it out.
///
/// `outcomes` (optional) give the kernels: the blind cases with the largest error ratios are drawn
/// true beside estimated, and their kernels written as 16-bit PNGs (weight / max) to `kernels/`.
public func writePSFStudyReport(rows: [PSFStudyRow], provenance: PSFStudyProvenance, to directory: URL,
                                outcomes: [PSFStudyOutcome] = []) throws {
    let summary = summarize(rows)
    let worst = try writeWorstKernels(outcomes, to: directory)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    struct SummaryFile: Codable {
        var provenance: PSFStudyProvenance
        var deconvolver: String
        var errorRatioThresholds: [Double]
        var families: [PSFStudyFamilySummary]
    }
    try writeAtomically(try encoder.encode(SummaryFile(provenance: provenance, deconvolver: errorRatioDeconvolverName,
                                                       errorRatioThresholds: errorRatioThresholds, families: summary)),
                        to: directory.appendingPathComponent("summary.json"))
    try writeAtomically(try encoder.encode(rows), to: directory.appendingPathComponent("rows.json"))
    try writeAtomically(Data(studyCSV(rows).utf8), to: directory.appendingPathComponent("rows.csv"))
    try writeAtomically(Data(try studyHTML(rows: rows, summary: summary, provenance: provenance, worst: worst).utf8),
                        to: directory.appendingPathComponent("index.html"))
}

/// `rows.csv`: one line per case; numbers with 4 decimals, "inf" for infinite ones, empty when absent.
func studyCSV(_ rows: [PSFStudyRow]) -> String {
    func f(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.4f", $0) : "inf" } ?? "" }
    let header = ["id", "group", "family", "model", "image", "true_spec", "noise", "kernel_side", "true_length", "true_angle", "true_radius",
                  "true_sigma", "length", "angle", "radius", "sigma", "length_error", "angle_error", "radius_error", "sigma_error",
                  "confidence", "ncc", "error_ratio", "success", "seconds", "failure"]
    return csvDocument(header: header, rows: rows.map { r in
        [r.id, r.group, r.family, r.model, r.image, r.trueSpec, f(r.noise), String(r.kernelSide),
         f(r.trueLength), f(r.trueAngle), f(r.trueRadius), f(r.trueSigma),
         f(r.length), f(r.angle), f(r.radius), f(r.sigma),
         f(r.lengthError), f(r.angleError), f(r.radiusError), f(r.sigmaError),
         f(r.confidence), f(r.ncc), f(r.errorRatio), r.success ? "1" : "0", f(r.seconds), r.failure ?? ""]
    })
}

// MARK: - HTML, section by section

/// The study page: how the cases were made, success rates, success by image, error-ratio curves,
/// per-family parameter charts, the noise sweep and the cases that missed their target.
func studyHTML(rows: [PSFStudyRow], summary: [PSFStudyFamilySummary], provenance: PSFStudyProvenance,
               worst: [(row: PSFStudyRow, trueFile: URL, estimatedFile: URL)] = []) throws -> String {
    var blocks = [studyMethodParagraph(rows: rows, provenance: provenance)]
    if !provenance.notes.isEmpty { blocks.append(.list(provenance.notes.map { [.text($0)] })) }
    blocks += successRateSection(summary)
    blocks += successByImageSection(rows: rows, summary: summary)
    blocks += errorRatioCurveSection(summary)
    let main = rows.filter { $0.group == "main" }
    blocks += motionSection(main.filter { $0.family == "motion" })
    blocks += defocusSection(main.filter { $0.family == "defocus" })
    blocks += gaussianSection(main.filter { $0.family == "gaussian" })
    blocks += blindSection(rows)
    blocks += worstKernelSection(worst)
    blocks += noiseSweepSection(rows.filter { $0.group == "noise" })
    blocks += missedTargetSection(rows)
    blocks.append(.paragraph([.text("Files: "), .code("rows.csv"), .text(" / "), .code("rows.json"), .text(" (one row per case), "),
                              .code("summary.json"), .text(". Generated by Deblur Workbench "), .code("deblur psf-study"), .text(".")],
                             cssClass: "note"))
    return try HTMLWriter.page(Document(title: provenance.title, stylesheet: studyStylesheet, blocks: blocks))
}

func percent(_ v: Double) -> String { String(format: "%.0f%%", v * 100) }

/// A number with `digits` decimals, "∞" when infinite, "–" when absent.
func decimal(_ v: Double?, _ digits: Int = 2) -> String { v.map { $0.isFinite ? String(format: "%.\(digits)f", $0) : "∞" } ?? "–" }

/// How the cases were made and scored (data, command, degradation, seed, error ratio, NCC).
func studyMethodParagraph(rows: [PSFStudyRow], provenance p: PSFStudyProvenance) -> Block {
    .paragraph([
        .text("Data: "), .bold(p.data), .text(". Command: "), .code(p.command),
        .text(rows.contains { $0.group == "levin-like" }
              ? ".\nLevin-like cases: the centre \(levinLikeSide)×\(levinLikeSide) of each photograph downscaled to a whole scene (luma), blurred by\n"
              : ".\nSynthetic cases: a seeded random \(p.side)×\(p.side) crop of each photograph (luma), blurred by\n"),
        .italic("valid"), .text(" convolution (no wrap-around, realistic borders), Gaussian noise σ, 8-bit quantisation ("), .code("degrade"), .text(").\n"
            + "Seed \(p.seed). \(rows.count) cases in \(String(format: "%.0f", p.totalSeconds)) s on \(p.threads) thread(s).\n"
            + "Error ratio (Levin et al. 2009): SSD of the image restored with the estimated kernel over SSD of the image restored\n"
            + "with the true kernel, same non-blind deconvolver — \(errorRatioDeconvolverName) — each aligned to the sharp\n"
            + "image by the best shift within ±5 px in quarter-pixel steps (bilinear), a 15 px border excluded (as Levin et al.'s evaluation). Kernel NCC: normalised cross-correlation of estimated\n"
            + "and true kernels after the best integer shift (not mean-subtracted). Blind estimation is given the true kernel side\n"
            + "+ 2 px (Levin data and the Levin-like check: the true side)."),
    ], cssClass: "note")
}

/// One row per group × family: cases, target, success rate (green from 90 %), the shares within error
/// ratio 1.5, 2 and 3 (issue #25's targets are the first two), medians, failures.
func successRateSection(_ summary: [PSFStudyFamilySummary]) -> [Block] {
    var table = Table(header: ["group", "family", "cases", "target", "success", "error ratio ≤ 1.5", "≤ 2", "≤ 3", "median error ratio", "median NCC",
                               "median |ΔL| px", "median |Δθ| °", "median |ΔR| px", "median |Δσ| px", "median s / case", "failed"])
    for s in summary {
        table.append([Cell(s.group), Cell(s.family), Cell("\(s.cases)"), Cell(s.target),
                      Cell(percent(s.successRate), cssClass: s.successRate >= 0.9 ? "good" : "bad"),
                      Cell(percent(s.errorRatioRate(atMost: 1.5) ?? 0)), Cell(percent(s.errorRatioRate(atMost: 2) ?? 0)),
                      Cell(percent(s.errorRatioRate(atMost: 3) ?? 0)), Cell(decimal(s.medianErrorRatio)), Cell(decimal(s.medianNCC, 3)),
                      Cell(decimal(s.medianAbsLengthError)), Cell(decimal(s.medianAbsAngleError)), Cell(decimal(s.medianAbsRadiusError)),
                      Cell(decimal(s.medianAbsSigmaError)), Cell(decimal(s.medianSeconds, 3)), Cell("\(s.failures)")])
    }
    return [.heading(level: 2, [.text("Success rates")]), .table(table)]
}

/// Cases that met their target per image and family of the main sweep (2 to 40 images):
/// estimators fail on some content more than on other (periodic texture, soft JPEGs).
func successByImageSection(rows: [PSFStudyRow], summary: [PSFStudyFamilySummary]) -> [Block] {
    let mainRows = rows.filter { $0.group == "main" }
    let images = Array(Set(mainRows.map(\.image))).sorted()
    let families = summary.filter { $0.group == "main" }.map(\.family)
    guard images.count > 1 && images.count <= 40 else { return [] }
    var table = Table(header: ["image"] + families.map { Cell($0) })
    for image in images {
        table.append([Cell(image)] + families.map { family in
            let sub = mainRows.filter { $0.image == image && $0.family == family }
            return Cell(sub.isEmpty ? "–" : "\(sub.filter(\.success).count)/\(sub.count)")
        })
    }
    return [.heading(level: 3, [.text("Target met, by image (main sweep)")]), .table(table)]
}

/// Published success rates of blind estimators on the Levin et al. 2009 benchmark (its real
/// camera shakes, 32 images), drawn as points beside the curves of the blind groups: Pan et al.
/// 2014 (L0 intensity + gradient prior) 90.6 % of cases with error ratio ≤ 2; Wen et al. 2020
/// (patch-wise minimal pixels) 84.4 % ≤ 1.5 and 100 % ≤ 2.
public let publishedLevinAnchors: [(name: String, points: [(x: Double, rate: Double)])] = [
    ("Pan et al. 2014 (L0), Levin data", [(2, 0.906)]),
    ("Wen et al. 2020 (PMP), Levin data", [(1.5, 0.844), (2, 1.0)]),
]

/// Fraction of cases with error ratio ≤ t, per family, one chart per group; the groups with blind
/// estimation show the published anchors (`publishedLevinAnchors`) as points.
func errorRatioCurveSection(_ summary: [PSFStudyFamilySummary]) -> [Block] {
    let charts = ["main", "noise", "levin", "levin-like"].compactMap { group -> String? in
        let series = summary.filter { $0.group == group }.map { ($0.family, $0.errorRatioCurve) }
        guard !series.isEmpty else { return nil }
        let blind = group.hasPrefix("levin") || series.contains { $0.0 == "shake" }
        return SVG.rateCurves(series, thresholds: errorRatioThresholds, title: "\(group): fraction with error ratio ≤ t",
                              xLabel: "error ratio threshold", yLabel: "success rate", anchors: blind ? publishedLevinAnchors : [])
    }
    return [.heading(level: 2, [.text("Error-ratio success curves")]),
            .paragraph([.text("Points (◇): published rates of blind estimators on the real Levin et al. 2009 benchmark — Pan, Hu, Su & Yang, "
                              + "“Deblurring text images via L0-regularized intensity and gradient prior”, CVPR 2014; Wen, Ying, Liu & Wang, "
                              + "“A simple local minimal intensity prior and an improved algorithm for blind image deblurring”, IEEE TCSVT 2020 (PMP). "
                              + "They measured real shakes, these curves synthetic ones: a guide, not a like-for-like comparison.")], cssClass: "note"),
            .charts(charts)]
}

/// Linear motion: estimated vs true length and angle, error histograms, success by length.
func motionSection(_ motion: [PSFStudyRow]) -> [Block] {
    guard !motion.isEmpty else { return [] }
    let charts = [
        SVG.identityScatter(motion.compactMap { r in r.length.map { (r.trueLength ?? .nan, $0) } }, title: "length: estimated vs true",
                            xLabel: "true length (px)", yLabel: "estimated (px)", tolerance: 1),
        SVG.identityScatter(motion.compactMap { r in r.angle.map { (r.trueAngle ?? .nan, (r.trueAngle ?? 0) + (r.angleError ?? $0)) } },
                            title: "angle: estimated vs true (mod 180°)", xLabel: "true angle (°)", yLabel: "estimated (°)", tolerance: 2),
        SVG.histogram(motion.compactMap(\.lengthError), title: "length error", xLabel: "estimated − true (px)", lo: -3, hi: 3, marks: [-1, 1]),
        SVG.histogram(motion.compactMap(\.angleError), title: "angle error", xLabel: "estimated − true (°)", lo: -6, hi: 6, marks: [-2, 2]),
    ]
    let buckets: [(String, ClosedRange<Double>)] = [("5–7.5", 4.5 ... 7.5), ("7.5–12.5", 7.5 ... 12.5), ("12.5–22.5", 12.5 ... 22.5), ("22.5–35", 22.5 ... 35.5)]
    var byLength = Table(header: ["true length (px)"] + buckets.map { Cell($0.0) })
    byLength.append(["success (|ΔL| ≤ 1, |Δθ| ≤ 2°)"] + buckets.map { b in
        let sub = motion.filter { b.1.contains($0.trueLength ?? -1) }
        return Cell(sub.isEmpty ? "–" : "\(percent(Double(sub.filter(\.success).count) / Double(sub.count))) of \(sub.count)")
    })
    return [.heading(level: 2, [.text("Linear motion")]), .charts(charts), .table(byLength)]
}

/// Defocus: estimated vs true radius and the radius error.
func defocusSection(_ defocus: [PSFStudyRow]) -> [Block] {
    guard !defocus.isEmpty else { return [] }
    return [.heading(level: 2, [.text("Defocus")]), .charts([
        SVG.identityScatter(defocus.compactMap { r in r.radius.map { (r.trueRadius ?? .nan, $0) } }, title: "radius: estimated vs true",
                            xLabel: "true radius (px)", yLabel: "estimated (px)", tolerance: 0.5),
        SVG.histogram(defocus.compactMap(\.radiusError), title: "radius error", xLabel: "estimated − true (px)", lo: -2, hi: 2, marks: [-0.5, 0.5]),
    ])]
}

/// Gaussian: estimated vs true σ and the σ error.
func gaussianSection(_ gaussian: [PSFStudyRow]) -> [Block] {
    guard !gaussian.isEmpty else { return [] }
    return [.heading(level: 2, [.text("Gaussian")]), .charts([
        SVG.identityScatter(gaussian.compactMap { r in r.sigma.map { (r.trueSigma ?? .nan, $0) } }, title: "σ: estimated vs true",
                            xLabel: "true σ (px)", yLabel: "estimated (px)"),
        SVG.histogram(gaussian.compactMap(\.sigmaError), title: "σ error", xLabel: "estimated − true (px)", lo: -1, hi: 1),
    ])]
}

/// Blind estimation (camera shake, Levin data): kernel NCC, log₂ error ratio, ratio against NCC.
func blindSection(_ rows: [PSFStudyRow]) -> [Block] {
    let blind = rows.filter { $0.model == "blind" }
    guard !blind.isEmpty else { return [] }
    return [.heading(level: 2, [.text("Blind (camera shake\(rows.contains { $0.family == "levin" } ? ", Levin et al." : ""))")]), .charts([
        SVG.histogram(blind.compactMap(\.ncc), title: "kernel NCC after best shift", xLabel: "NCC", lo: 0, hi: 1, bins: 20, marks: [0.8]),
        SVG.histogram(blind.compactMap { $0.errorRatio.map { log2(max($0, 1e-3)) } }, title: "log₂ error ratio", xLabel: "log₂(SSD est / SSD true)",
                      lo: -1, hi: 4, bins: 25, marks: [log2(3)]),
        SVG.identityScatter(blind.compactMap { r in r.ncc.map { ($0, min(r.errorRatio ?? 10, 10)) } }, title: "error ratio (capped at 10) vs NCC",
                            xLabel: "NCC", yLabel: "error ratio", identity: false),
    ])]
}

/// How many of the worst blind cases the report draws.
let worstKernelCount = 8

/// The `worstKernelCount` blind cases with the largest error ratio: their true and estimated kernels
/// as viewing PNGs (enlarged, weight / max) in `directory/kernels/`, worst first.
func writeWorstKernels(_ outcomes: [PSFStudyOutcome], to directory: URL) throws -> [(row: PSFStudyRow, trueFile: URL, estimatedFile: URL)] {
    let blind = outcomes.filter { $0.row.model == "blind" && $0.estimatedPSF != nil && $0.row.errorRatio != nil }
    let worst = blind.sorted { ($0.row.errorRatio!, $0.row.id) > ($1.row.errorRatio!, $1.row.id) }.prefix(worstKernelCount)
    guard !worst.isEmpty else { return [] }
    let folder = directory.appendingPathComponent("kernels")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return try worst.map { o in
        let trueFile = folder.appendingPathComponent("\(o.row.id)-true.png"), estimatedFile = folder.appendingPathComponent("\(o.row.id)-estimated.png")
        try writeImage(o.truePSF.viewingImage(minimumSide: 96), to: trueFile.path)
        try writeImage(o.estimatedPSF!.viewingImage(minimumSide: 96), to: estimatedFile.path)
        return (o.row, trueFile, estimatedFile)
    }
}

/// The worst blind cases: true kernel beside the estimate, with the case, error ratio and NCC.
func worstKernelSection(_ worst: [(row: PSFStudyRow, trueFile: URL, estimatedFile: URL)]) -> [Block] {
    guard !worst.isEmpty else { return [] }
    let figures: [[Inline]] = worst.map { w in
        [.picture(Picture(.file(w.trueFile), cssClass: "kernel", alt: "true kernel of \(w.row.id)")),
         .picture(Picture(.file(w.estimatedFile), cssClass: "kernel", alt: "estimated kernel of \(w.row.id)")),
         .lineBreak, .text("\(w.row.id) · \(w.row.image) · \(w.row.kernelSide) px"), .lineBreak,
         .text("true | estimated · ratio \(decimal(w.row.errorRatio)) · NCC \(decimal(w.row.ncc))")]
    }
    return [.heading(level: 2, [.text("The worst blind cases: true kernel | estimated")]),
            .figures(figures, containerClass: "kernels", figureClass: "kfig")]
}

/// Target met and median error ratio per family and noise level.
func noiseSweepSection(_ noise: [PSFStudyRow]) -> [Block] {
    guard !noise.isEmpty else { return [] }
    let levels = Array(Set(noise.compactMap(\.noise))).sorted()
    var table = Table(header: ["family"] + levels.map { Cell("σ = \(decimal($0, 3))") })
    for family in ["motion", "defocus", "gaussian", "shake"] {
        table.append([Cell("\(family) (target met)")] + levels.map { level in
            let sub = noise.filter { $0.family == family && $0.noise == level }
            return Cell(sub.isEmpty ? "–" : "\(sub.filter(\.success).count)/\(sub.count), ratio \(decimal(median(sub.compactMap(\.errorRatio))))")
        })
    }
    return [.heading(level: 2, [.text("Noise sweep")]), .table(table)]
}

/// The first 40 cases that missed their target, with what was estimated.
func missedTargetSection(_ rows: [PSFStudyRow]) -> [Block] {
    let failed = rows.filter { !$0.success }.prefix(40)
    guard !failed.isEmpty else { return [] }
    var table = Table(header: ["id", "image", "true", "noise", "estimate", "conf.", "NCC", "error ratio"])
    for r in failed {
        var estimate: [String] = []
        if let l = r.length { estimate.append("L \(decimal(l))") }
        if let a = r.angle { estimate.append("θ \(decimal(a, 1))°") }
        if let rr = r.radius { estimate.append("R \(decimal(rr))") }
        if let s = r.sigma { estimate.append("σ \(decimal(s))") }
        if let f = r.failure { estimate.append("failed: \(f)") }
        table.append([Cell(r.id), Cell(r.image), Cell(r.trueSpec), Cell(decimal(r.noise, 3)), Cell(estimate.joined(separator: ", ")),
                      Cell(decimal(r.confidence)), Cell(decimal(r.ncc, 3)), Cell(decimal(r.errorRatio))])
    }
    return [.heading(level: 2, [.text("Cases that missed their target (first \(failed.count))")]), .table(table)]
}

/// Layout of the study page (CSS only); the charts use the classes `chart`, `t` and `a`.
let studyStylesheet = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;max-width:1160px;color:#222}
.kernels{display:flex;flex-wrap:wrap;gap:14px}.kfig{font-size:12px;text-align:center}.kernel{width:96px;height:96px;image-rendering:pixelated;margin:2px;border:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0 18px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;font-size:13px}
th{background:#f3f3f3}td:first-child,th:first-child,td:nth-child(2){text-align:left}
.chart{border:1px solid #ddd;margin:4px;background:#fff;vertical-align:top}.t{font-size:13px;font-weight:600}.a{font-size:11px}
.good{color:#17702a;font-weight:600}.bad{color:#a11;font-weight:600}code{background:#f5f5f5;padding:1px 4px;overflow-wrap:anywhere}
p.note{font-size:13px;color:#444;max-width:1000px}
"""
