import Foundation
import ImageCore

/// What a report says about how it was made.
public struct PSFStudyProvenance: Codable, Sendable {
    public var title: String
    public var data: String
    public var command: String
    public var side: Int
    public var seed: UInt64
    public var totalSeconds: Double
    public var threads: Int

    public init(title: String, data: String, command: String, side: Int, seed: UInt64, totalSeconds: Double, threads: Int) {
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
/// and `summary.json` into `directory`, each atomically.
public func writePSFStudyReport(rows: [PSFStudyRow], provenance: PSFStudyProvenance, to directory: URL) throws {
    let summary = summarize(rows)
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
    try writeAtomically(Data(studyHTML(rows: rows, summary: summary, provenance: provenance).utf8),
                        to: directory.appendingPathComponent("index.html"))
}

func studyCSV(_ rows: [PSFStudyRow]) -> String {
    func f(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.4f", $0) : "inf" } ?? "" }
    var lines = ["id,group,family,model,image,true_spec,noise,kernel_side,true_length,true_angle,true_radius,true_sigma,length,angle,radius,sigma,length_error,angle_error,radius_error,sigma_error,confidence,ncc,error_ratio,success,seconds,failure"]
    // RFC 4180: fields holding a comma or quote are quoted, quotes doubled.
    func q(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    for r in rows {
        lines.append([q(r.id), r.group, r.family, r.model, q(r.image), q(r.trueSpec), f(r.noise), String(r.kernelSide),
                      f(r.trueLength), f(r.trueAngle), f(r.trueRadius), f(r.trueSigma),
                      f(r.length), f(r.angle), f(r.radius), f(r.sigma),
                      f(r.lengthError), f(r.angleError), f(r.radiusError), f(r.sigmaError),
                      f(r.confidence), f(r.ncc), f(r.errorRatio), r.success ? "1" : "0", f(r.seconds),
                      q(r.failure ?? "")].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}

// MARK: - HTML

func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}

let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

/// A scatter plot of (true, estimated) with the identity line and a ± tolerance band.
/// With `identity` false the axes get their own ranges and no diagonal is drawn.
func scatterSVG(_ points: [(Double, Double)], title: String, xLabel: String, yLabel: String, tolerance: Double? = nil,
                identity: Bool = true) -> String {
    let w = 360.0, h = 300.0, m = 46.0
    guard !points.isEmpty else { return "" }
    let values = points.flatMap { [$0.0, $0.1] }.filter(\.isFinite)
    let xs = points.map(\.0).filter(\.isFinite), ys = points.map(\.1).filter(\.isFinite)
    let lo = min(0, values.min() ?? 0), hi = max(values.max() ?? 1, lo + 1)
    let xLo = identity ? lo : min(0, xs.min() ?? 0), xHi = identity ? hi : max(xs.max() ?? 1, xLo + 1e-9)
    let yLo = identity ? lo : min(0, ys.min() ?? 0), yHi = identity ? hi : max(ys.max() ?? 1, yLo + 1e-9)
    func sx(_ v: Double) -> Double { m + (v - xLo) / (xHi - xLo) * (w - m - 10) }
    func sy(_ v: Double) -> Double { h - m - (v - yLo) / (yHi - yLo) * (h - m - 24) }
    var s = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(w))' height='\(Int(h))' class='chart'>"
    s += "<text x='\(w / 2)' y='15' text-anchor='middle' class='t'>\(escape(title))</text>"
    if let t = tolerance {
        s += "<polygon points='\(sx(lo)),\(sy(lo + t)) \(sx(hi - t)),\(sy(hi)) \(sx(hi)),\(sy(hi)) \(sx(hi)),\(sy(hi - t)) \(sx(lo + t)),\(sy(lo)) \(sx(lo)),\(sy(lo))' fill='#e8f3e8'/>"
    }
    s += axes(w: w, h: h, m: m, xLo: xLo, xHi: xHi, yLo: yLo, yHi: yHi, xLabel: xLabel, yLabel: yLabel)
    if identity {
        s += "<line x1='\(sx(lo))' y1='\(sy(lo))' x2='\(sx(hi))' y2='\(sy(hi))' stroke='#888' stroke-dasharray='4 3'/>"
    }
    for (x, y) in points where x.isFinite && y.isFinite {
        let yc = min(max(y, yLo), yHi)
        s += "<circle cx='\(String(format: "%.1f", sx(x)))' cy='\(String(format: "%.1f", sy(yc)))' r='3' fill='\(palette[0])' fill-opacity='0.6'/>"
    }
    return s + "</svg>"
}

func axes(w: Double, h: Double, m: Double, xLo: Double, xHi: Double, yLo: Double, yHi: Double, xLabel: String, yLabel: String,
          yPercent: Bool = false) -> String {
    var s = "<line x1='\(m)' y1='\(h - m)' x2='\(w - 10)' y2='\(h - m)' stroke='#333'/><line x1='\(m)' y1='24' x2='\(m)' y2='\(h - m)' stroke='#333'/>"
    for i in 0 ... 4 {
        let t = Double(i) / 4
        let xv = xLo + t * (xHi - xLo), yv = yLo + t * (yHi - yLo)
        let x = m + t * (w - m - 10), y = h - m - t * (h - m - 24)
        s += "<text x='\(x)' y='\(h - m + 14)' text-anchor='middle' class='a'>\(tick(xv))</text>"
        s += "<text x='\(m - 4)' y='\(y + 4)' text-anchor='end' class='a'>\(yPercent ? "\(Int((yv * 100).rounded()))%" : tick(yv))</text>"
        s += "<line x1='\(m)' y1='\(y)' x2='\(w - 10)' y2='\(y)' stroke='#eee'/>"
    }
    s += "<text x='\((w + m) / 2)' y='\(h - 8)' text-anchor='middle' class='a'>\(escape(xLabel))</text>"
    s += "<text x='12' y='\((h - m) / 2 + 12)' text-anchor='middle' class='a' transform='rotate(-90 12 \((h - m) / 2 + 12))'>\(escape(yLabel))</text>"
    return s
}

func tick(_ v: Double) -> String {
    abs(v - v.rounded()) < 1e-9 ? String(Int(v.rounded())) : String(format: abs(v) < 10 ? "%.2g" : "%.0f", v)
}

/// A histogram of `values` over [lo, hi] (values outside go to the end bins, counted in the title).
func histogramSVG(_ values: [Double], title: String, xLabel: String, lo: Double, hi: Double, bins: Int = 24,
                  marks: [Double] = []) -> String {
    let w = 360.0, h = 240.0, m = 46.0
    let finite = values.filter(\.isFinite)
    guard !values.isEmpty else { return "" }
    var counts = [Int](repeating: 0, count: bins)
    var outside = values.count - finite.count
    for v in finite {
        if v < lo || v > hi { outside += 1 }
        let b = min(bins - 1, max(0, Int((v - lo) / (hi - lo) * Double(bins))))
        counts[b] += 1
    }
    let peak = Double(max(1, counts.max() ?? 1))
    var s = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(w))' height='\(Int(h))' class='chart'>"
    s += "<text x='\(w / 2)' y='15' text-anchor='middle' class='t'>\(escape(title))\(outside > 0 ? " (\(outside) outside, in end bins)" : "")</text>"
    s += axes(w: w, h: h, m: m, xLo: lo, xHi: hi, yLo: 0, yHi: peak, xLabel: xLabel, yLabel: "cases")
    let bw = (w - m - 10) / Double(bins)
    for (i, c) in counts.enumerated() where c > 0 {
        let bh = Double(c) / peak * (h - m - 24)
        s += "<rect x='\(String(format: "%.1f", m + Double(i) * bw + 0.5))' y='\(String(format: "%.1f", h - m - bh))' width='\(String(format: "%.1f", bw - 1))' height='\(String(format: "%.1f", bh))' fill='\(palette[0])'/>"
    }
    for mark in marks where mark >= lo && mark <= hi {
        let x = m + (mark - lo) / (hi - lo) * (w - m - 10)
        s += "<line x1='\(x)' y1='24' x2='\(x)' y2='\(h - m)' stroke='\(palette[1])' stroke-dasharray='4 3'/>"
    }
    return s + "</svg>"
}

/// Success rate against the error-ratio threshold, one line per series.
func curveSVG(_ series: [(String, [Double])], thresholds: [Double], title: String) -> String {
    let w = 420.0, h = 300.0, m = 46.0
    let lo = thresholds.first ?? 1.5, hi = thresholds.last ?? 3
    func sx(_ v: Double) -> Double { m + (v - lo) / (hi - lo) * (w - m - 10) }
    func sy(_ v: Double) -> Double { h - m - v * (h - m - 24) }
    var s = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(w))' height='\(Int(h))' class='chart'>"
    s += "<text x='\(w / 2)' y='15' text-anchor='middle' class='t'>\(escape(title))</text>"
    s += axes(w: w, h: h, m: m, xLo: lo, xHi: hi, yLo: 0, yHi: 1, xLabel: "error ratio threshold", yLabel: "success rate", yPercent: true)
    for (i, (name, rates)) in series.enumerated() {
        let colour = palette[i % palette.count]
        let path = zip(thresholds, rates).map { "\(String(format: "%.1f", sx($0))),\(String(format: "%.1f", sy($1)))" }.joined(separator: " ")
        s += "<polyline points='\(path)' fill='none' stroke='\(colour)' stroke-width='2'/>"
        s += "<text x='\(m + 8)' y='\(h - m - 10 - Double(i) * 14)' class='a' fill='\(colour)'>\(escape(name))</text>"
    }
    return s + "</svg>"
}

func studyHTML(rows: [PSFStudyRow], summary: [PSFStudyFamilySummary], provenance: PSFStudyProvenance) -> String {
    func pct(_ v: Double) -> String { String(format: "%.0f%%", v * 100) }
    func num(_ v: Double?, _ digits: Int = 2) -> String { v.map { $0.isFinite ? String(format: "%.\(digits)f", $0) : "∞" } ?? "–" }
    var h = """
    <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(provenance.title))</title>
    <style>
    body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;max-width:1160px;color:#222}
    table{border-collapse:collapse;margin:8px 0 18px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;font-size:13px}
    th{background:#f3f3f3}td:first-child,th:first-child,td:nth-child(2){text-align:left}
    .chart{border:1px solid #ddd;margin:4px;background:#fff;vertical-align:top}.t{font-size:13px;font-weight:600}.a{font-size:11px}
    .good{color:#17702a;font-weight:600}.bad{color:#a11;font-weight:600}code{background:#f5f5f5;padding:1px 4px}
    p.note{font-size:13px;color:#444;max-width:1000px}
    </style></head><body>
    <h1>\(escape(provenance.title))</h1>
    <p class="note">Data: <b>\(escape(provenance.data))</b>. Command: <code>\(escape(provenance.command))</code>.
    Synthetic cases: a seeded random \(provenance.side)×\(provenance.side) crop of each photograph (luma), blurred by
    <i>valid</i> convolution (no wrap-around, realistic borders), Gaussian noise σ, 8-bit quantisation (<code>degrade</code>).
    Seed \(provenance.seed). \(rows.count) cases in \(String(format: "%.0f", provenance.totalSeconds)) s on \(provenance.threads) thread(s).
    Error ratio (Levin et al. 2009): SSD of the image restored with the estimated kernel over SSD of the image restored
    with the true kernel, same non-blind deconvolver — \(escape(errorRatioDeconvolverName)) — each aligned to the sharp
    image by the best integer shift (±4 px), borders excluded. Kernel NCC: normalised cross-correlation of estimated
    and true kernels after the best integer shift (not mean-subtracted). Blind estimation is given the true kernel side
    + 2 px (Levin data: the true side).</p>
    <h2>Success rates</h2>
    <table><tr><th>group</th><th>family</th><th>cases</th><th>target</th><th>success</th><th>error ratio ≤ 3</th>
    <th>median error ratio</th><th>median NCC</th><th>median |ΔL| px</th><th>median |Δθ| °</th><th>median |ΔR| px</th>
    <th>median |Δσ| px</th><th>median s / case</th><th>failed</th></tr>
    """
    for s in summary {
        let ratio3 = s.errorRatioCurve.last ?? 0
        let cls = s.successRate >= 0.9 ? "good" : "bad"
        h += "<tr><td>\(s.group)</td><td>\(s.family)</td><td>\(s.cases)</td><td>\(escape(s.target))</td><td class='\(cls)'>\(pct(s.successRate))</td>"
        h += "<td>\(pct(ratio3))</td><td>\(num(s.medianErrorRatio))</td><td>\(num(s.medianNCC, 3))</td><td>\(num(s.medianAbsLengthError))</td>"
        h += "<td>\(num(s.medianAbsAngleError))</td><td>\(num(s.medianAbsRadiusError))</td><td>\(num(s.medianAbsSigmaError))</td>"
        h += "<td>\(num(s.medianSeconds, 3))</td><td>\(s.failures)</td></tr>\n"
    }
    h += "</table>\n"

    // Success by image: estimators fail on some content more than on other (periodic texture, soft JPEGs).
    let mainRows = rows.filter { $0.group == "main" }
    let images = Array(Set(mainRows.map(\.image))).sorted()
    let families = summary.filter { $0.group == "main" }.map(\.family)
    if images.count > 1 && images.count <= 40 {
        h += "<h3>Target met, by image (main sweep)</h3><table><tr><th>image</th>" + families.map { "<th>\($0)</th>" }.joined() + "</tr>"
        for image in images {
            h += "<tr><td>\(escape(image))</td>"
            for family in families {
                let sub = mainRows.filter { $0.image == image && $0.family == family }
                h += "<td>\(sub.isEmpty ? "–" : "\(sub.filter(\.success).count)/\(sub.count)")</td>"
            }
            h += "</tr>"
        }
        h += "</table>\n"
    }

    // Error-ratio success curves.
    h += "<h2>Error-ratio success curves</h2><div>"
    for group in ["main", "noise", "levin"] {
        let series = summary.filter { $0.group == group }.map { ($0.family, $0.errorRatioCurve) }
        if !series.isEmpty { h += curveSVG(series, thresholds: errorRatioThresholds, title: "\(group): fraction with error ratio ≤ t") }
    }
    h += "</div>\n"

    // Parameters: estimated vs true, error histograms.
    let main = rows.filter { $0.group == "main" }
    let motion = main.filter { $0.family == "motion" }
    if !motion.isEmpty {
        h += "<h2>Linear motion</h2><div>"
        h += scatterSVG(motion.compactMap { r in r.length.map { (r.trueLength ?? .nan, $0) } }, title: "length: estimated vs true", xLabel: "true length (px)", yLabel: "estimated (px)", tolerance: 1)
        h += scatterSVG(motion.compactMap { r in r.angle.map { (r.trueAngle ?? .nan, (r.trueAngle ?? 0) + (r.angleError ?? $0)) } }, title: "angle: estimated vs true (mod 180°)", xLabel: "true angle (°)", yLabel: "estimated (°)", tolerance: 2)
        h += histogramSVG(motion.compactMap(\.lengthError), title: "length error", xLabel: "estimated − true (px)", lo: -3, hi: 3, marks: [-1, 1])
        h += histogramSVG(motion.compactMap(\.angleError), title: "angle error", xLabel: "estimated − true (°)", lo: -6, hi: 6, marks: [-2, 2])
        h += "</div>\n"
        // Success by length.
        h += "<table><tr><th>true length (px)</th>"
        let buckets: [(String, ClosedRange<Double>)] = [("5–7.5", 4.5 ... 7.5), ("7.5–12.5", 7.5 ... 12.5), ("12.5–22.5", 12.5 ... 22.5), ("22.5–35", 22.5 ... 35.5)]
        for b in buckets { h += "<th>\(b.0)</th>" }
        h += "</tr><tr><td>success (|ΔL| ≤ 1, |Δθ| ≤ 2°)</td>"
        for b in buckets {
            let sub = motion.filter { b.1.contains($0.trueLength ?? -1) }
            h += "<td>\(sub.isEmpty ? "–" : "\(pct(Double(sub.filter(\.success).count) / Double(sub.count))) of \(sub.count)")</td>"
        }
        h += "</tr></table>\n"
    }
    let defocus = main.filter { $0.family == "defocus" }
    if !defocus.isEmpty {
        h += "<h2>Defocus</h2><div>"
        h += scatterSVG(defocus.compactMap { r in r.radius.map { (r.trueRadius ?? .nan, $0) } }, title: "radius: estimated vs true", xLabel: "true radius (px)", yLabel: "estimated (px)", tolerance: 0.5)
        h += histogramSVG(defocus.compactMap(\.radiusError), title: "radius error", xLabel: "estimated − true (px)", lo: -2, hi: 2, marks: [-0.5, 0.5])
        h += "</div>\n"
    }
    let gaussian = main.filter { $0.family == "gaussian" }
    if !gaussian.isEmpty {
        h += "<h2>Gaussian</h2><div>"
        h += scatterSVG(gaussian.compactMap { r in r.sigma.map { (r.trueSigma ?? .nan, $0) } }, title: "σ: estimated vs true", xLabel: "true σ (px)", yLabel: "estimated (px)")
        h += histogramSVG(gaussian.compactMap(\.sigmaError), title: "σ error", xLabel: "estimated − true (px)", lo: -1, hi: 1)
        h += "</div>\n"
    }
    let blind = rows.filter { $0.model == "blind" }
    if !blind.isEmpty {
        h += "<h2>Blind (camera shake\(rows.contains { $0.family == "levin" } ? ", Levin et al." : ""))</h2><div>"
        h += histogramSVG(blind.compactMap(\.ncc), title: "kernel NCC after best shift", xLabel: "NCC", lo: 0, hi: 1, bins: 20, marks: [0.8])
        h += histogramSVG(blind.compactMap { $0.errorRatio.map { log2(max($0, 1e-3)) } }, title: "log₂ error ratio", xLabel: "log₂(SSD est / SSD true)", lo: -1, hi: 4, bins: 25, marks: [log2(3)])
        h += scatterSVG(blind.compactMap { r in r.ncc.map { ($0, min(r.errorRatio ?? 10, 10)) } }, title: "error ratio (capped at 10) vs NCC", xLabel: "NCC", yLabel: "error ratio", identity: false)
        h += "</div>\n"
    }

    // Noise sweep.
    let noise = rows.filter { $0.group == "noise" }
    if !noise.isEmpty {
        let levels = Array(Set(noise.compactMap(\.noise))).sorted()
        h += "<h2>Noise sweep</h2><table><tr><th>family</th>" + levels.map { "<th>σ = \(num($0, 3))</th>" }.joined() + "</tr>"
        for family in ["motion", "defocus", "gaussian", "shake"] {
            h += "<tr><td>\(family) (target met)</td>"
            for level in levels {
                let sub = noise.filter { $0.family == family && $0.noise == level }
                h += "<td>\(sub.isEmpty ? "–" : "\(sub.filter(\.success).count)/\(sub.count), ratio \(num(median(sub.compactMap(\.errorRatio))))")</td>"
            }
            h += "</tr>"
        }
        h += "</table>\n"
    }

    // Worst cases.
    let failed = rows.filter { !$0.success }.prefix(40)
    if !failed.isEmpty {
        h += "<h2>Cases that missed their target (first \(failed.count))</h2><table><tr><th>id</th><th>image</th><th>true</th><th>noise</th><th>estimate</th><th>conf.</th><th>NCC</th><th>error ratio</th></tr>"
        for r in failed {
            var est: [String] = []
            if let l = r.length { est.append("L \(num(l))") }
            if let a = r.angle { est.append("θ \(num(a, 1))°") }
            if let rr = r.radius { est.append("R \(num(rr))") }
            if let s = r.sigma { est.append("σ \(num(s))") }
            if let f = r.failure { est.append("failed: \(escape(f))") }
            h += "<tr><td>\(r.id)</td><td>\(escape(r.image))</td><td>\(escape(r.trueSpec))</td><td>\(num(r.noise, 3))</td><td>\(est.joined(separator: ", "))</td><td>\(num(r.confidence))</td><td>\(num(r.ncc, 3))</td><td>\(num(r.errorRatio))</td></tr>"
        }
        h += "</table>\n"
    }
    h += "<p class='note'>Files: <code>rows.csv</code> / <code>rows.json</code> (one row per case), <code>summary.json</code>. Generated by Deblur Workbench <code>deblur psf-study</code>.</p></body></html>\n"
    return h
}
