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
            && selection.noiseSigma == other.selection.noiseSigma && selection.seed == other.selection.seed
    }

    /// True when two runs restored the same cases the same way (shards of one comparison).
    public func isCompatible(with other: RunInfo) -> Bool {
        hasSameCases(as: other) && methods == other.methods && metrics == other.metrics && psfModes == other.psfModes
    }
}

/// Writes `report.html`, `report.md`, `results.csv` and `results.json` from rows.
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

    // MARK: CSV / Markdown

    static func csv(_ rows: [ResultRow], metrics: [RunInfo.MetricInfo]) -> String {
        func q(_ s: String?) -> String {
            guard let s else { return "" }
            return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = "image,scene,blur,psf,method,family,psf_mode,status,seconds,clipped_fraction,"
            + metrics.map(\.id).joined(separator: ",") + ",estimated_psf,note\n"
        for r in rows {
            var fields = [q(r.image), q(r.scene), q(r.blur), q(r.psf), q(r.method), r.family.rawValue, r.psfMode.rawValue, r.status.rawValue,
                          r.seconds.map { String(format: "%.4f", $0) } ?? "", r.clipped.map { String(format: "%.6f", $0) } ?? ""]
            fields += metrics.map { m in r.metrics[m.id].map { $0.isFinite ? String(format: "%.6g", $0) : "inf" } ?? "" }
            fields += [q(r.estimatedPSF), q(r.note)]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    static func fmt(_ m: MeanCI, digits: Int) -> String {
        guard m.mean.isFinite else { return m.count == 0 ? "—" : (m.mean > 0 ? "∞" : "nan") }
        let mean = String(format: "%.\(digits)f", m.mean)
        return m.halfWidth.map { mean + " ± " + String(format: "%.\(digits)f", $0) } ?? mean
    }

    static func digits(_ id: String) -> Int { id == "psnr" ? 2 : 3 }

    public static func markdown(_ s: Summary, info: RunInfo) -> String {
        var out = "Mean ± 95% CI over \(Set(s.rows.map(\.image)).count) images (\(info.selection.data), \(info.selection.split) split, "
            + "blur \(info.selection.blur), σ = \(info.selection.noiseSigma), seed \(info.selection.seed)); **bold** = best.\n\n"
        out += "| method | " + info.metrics.map { "\($0.name) \($0.higherIsBetter ? "↑" : "↓")" }.joined(separator: " | ") + " | s / image |\n"
        out += "|---|" + info.metrics.map { _ in "---|" }.joined() + "---|\n"
        for label in s.labels {
            out += "| \(label) | "
            for m in info.metrics {
                let text = fmt(s.stat(label: label, metric: m.id), digits: digits(m.id))
                out += (s.best(metric: m.id, higherIsBetter: m.higherIsBetter) == label ? "**\(text)**" : text) + " | "
            }
            out += fmt(s.time(label: label), digits: 3) + " |\n"
        }
        if s.blurKinds.count > 1, let psnr = info.metrics.first(where: { $0.id == "psnr" }) {
            out += "\nPSNR (dB) by blur kind:\n\n| method | " + s.blurKinds.joined(separator: " | ") + " |\n|---|"
                + s.blurKinds.map { _ in "---|" }.joined() + "\n"
            for label in s.labels {
                out += "| \(label) | " + s.blurKinds.map { k in
                    let t = fmt(s.stat(label: label, metric: "psnr", blur: k), digits: 2)
                    return s.best(metric: "psnr", higherIsBetter: psnr.higherIsBetter, blur: k) == label ? "**\(t)**" : t
                }.joined(separator: " | ") + " |\n"
            }
        }
        let missing = s.rows.filter { $0.status != .ok }
        if !missing.isEmpty {
            let groups = Dictionary(grouping: missing) { "\($0.label): \($0.status.rawValue) — \($0.note ?? "")" }
            out += "\nNot scored: " + groups.keys.sorted().map { "\($0) (\(groups[$0]!.count) images)" }.joined(separator: "; ") + "\n"
        }
        return out
    }

    // MARK: HTML

    static func dataURI(_ url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let mime = url.pathExtension == "png" ? "image/png" : "image/jpeg"
        return "data:\(mime);base64," + data.base64EncodedString()
    }

    static func img(_ url: URL, cls: String, alt: String) -> String {
        guard let uri = dataURI(url) else { return "<div class=\"missing\">(no image)</div>" }
        return "<img class=\"\(cls)\" src=\"\(uri)\" alt=\"\(SVG.escape(alt))\">"
    }

    public static func html(_ s: Summary, info: RunInfo, assets: URL) -> String {
        let e = SVG.escape
        let nImages = Set(s.rows.map(\.image)).count
        var h = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Deblur Workbench — comparison</title><style>
        body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222;line-height:1.45}
        h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:4px} .sub{color:#666}
        table{border-collapse:collapse;margin:8px 0 16px;font-size:14px} th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}
        th{background:#f5f5f5} td:first-child,th:first-child{text-align:left} td.best{font-weight:bold;background:#e8f4ea}
        tr.input td{color:#666;font-style:italic} .charts{display:flex;flex-wrap:wrap;gap:12px}
        .grid{display:grid;gap:6px;margin:8px 0 24px;overflow-x:auto} .cell{font-size:12px;text-align:center}
        .cell img{display:block;margin:2px auto} img.crop{width:120px;height:120px;image-rendering:pixelated}
        img.thumb{max-width:200px} img.err{max-width:200px} .psf img{width:96px;image-rendering:pixelated}
        .psfs{display:flex;flex-wrap:wrap;gap:10px} .psf{font-size:12px;text-align:center}
        code{background:#f3f3f3;padding:1px 4px;border-radius:3px} .note{color:#555;font-size:14px}
        td.w{color:#000} .legend{font-size:12px;color:#555}
        </style></head><body>
        <h1>Deblur Workbench — method comparison</h1>
        <p class="sub">\(nImages) images · data <code>\(e(info.selection.data))</code> (\(e(info.layout))) · \(e(info.selection.split.rawValue)) split
        (scenes: \(e(info.testScenes.joined(separator: ", ")))) · blur <code>\(e(info.selection.blur))</code> · noise σ = \(info.selection.noiseSigma)
        · seed \(info.selection.seed) · split seed \(info.selection.splitSeed)</p>
        """
        // Summary tables.
        func table(blur: String?) -> String {
            var t = "<table><tr><th>method</th>" + info.metrics.map { "<th>\(e($0.name)) \($0.higherIsBetter ? "↑" : "↓")</th>" }.joined() + "<th>n</th></tr>"
            for label in s.labels {
                let family = s.rows.first { $0.label == label }?.family
                t += "<tr\(family == .input ? " class=\"input\"" : "")><td>\(e(label))</td>"
                for m in info.metrics {
                    let st = s.stat(label: label, metric: m.id, blur: blur)
                    let best = s.best(metric: m.id, higherIsBetter: m.higherIsBetter, blur: blur) == label
                    t += "<td\(best ? " class=\"best\"" : "")>\(fmt(st, digits: digits(m.id)))</td>"
                }
                t += "<td>\(s.okRows(label: label, blur: blur).count)</td></tr>"
            }
            return t + "</table>"
        }
        h += "<h2>Summary</h2><p class=\"note\">Mean ± 95% confidence interval (Student t) over images; best per column in bold green. "
            + "Restored images are clipped to [0, 1] before scoring, as writing an 8-bit file would; the share of clipped values is in results.csv.</p>"
        h += "<h3>All blur kinds</h3>" + table(blur: nil)
        for k in s.blurKinds where s.blurKinds.count > 1 { h += "<h3>\(e(k))</h3>" + table(blur: k) }

        // Run time.
        h += "<h2>Run time</h2><table><tr><th>method</th><th>mean s / image</th><th>total s</th></tr>"
        for label in s.labels {
            let t = s.time(label: label)
            let total = s.okRows(label: label).compactMap(\.seconds).reduce(0, +)
            h += "<tr><td>\(e(label))</td><td>\(fmt(t, digits: 3))</td><td>\(String(format: "%.2f", total))</td></tr>"
        }
        h += "</table><p class=\"note\">Restoration only (not scoring; rows with an estimated PSF include the PSF estimation), on this machine, with \(info.versions["threads"] ?? "?") threads; images run \(info.versions["jobs"] ?? "?") at a time.</p>"

        // Charts.
        h += "<h2>Charts</h2><div class=\"charts\">"
        for m in info.metrics {
            h += barChart(s, metric: m)
        }
        if info.metrics.contains(where: { $0.id == "psnr" }), info.metrics.contains(where: { $0.id == "st_lpips" }) {
            h += scatter(s)
        }
        h += "</div>"

        // Win rates.
        if let m = info.metrics.first(where: { $0.id == "psnr" }) ?? info.metrics.first {
            h += "<h2>Win rate (\(e(m.name)))</h2><p class=\"note\">Share of images on which the row method scores better than the column method (ties count half).</p><table><tr><th></th>"
            h += s.labels.map { "<th>\(e($0))</th>" }.joined() + "</tr>"
            for a in s.labels {
                h += "<tr><td>\(e(a))</td>"
                for b in s.labels {
                    if a == b { h += "<td>—</td>"; continue }
                    guard let w = s.winRate(a, b, metric: m.id, higherIsBetter: m.higherIsBetter) else { h += "<td></td>"; continue }
                    let r = Int(255 - 120 * w), g = Int(255 - 120 * (1 - w))   // green for wins, red for losses
                    h += "<td class=\"w\" style=\"background:rgb(\(r),\(g + 0),\(min(r, g)))\">\(Int((w * 100).rounded()))%</td>"
                }
                h += "</tr>"
            }
            h += "</table>"
        }

        // Image grids: the first image of each blur kind.
        h += "<h2>Images</h2><p class=\"note\">Per image: the whole picture, a \(ComparisonRunner.crop)×\(ComparisonRunner.crop) crop where the sharp image has the most detail (pixels enlarged), and |restored − sharp| "
            + "(inferno colour map, 0 … \(ComparisonRunner.errorScale); brighter = larger error; the same scale for every method). PSNR under each image.</p>"
        let images = Array(Set(s.rows.map(\.image))).sorted()
        var shown: [String] = []
        for k in s.blurKinds { if let first = images.first(where: { img in s.rows.contains { $0.image == img && $0.blur == k } }) { shown.append(first) } }
        for image in shown {
            let dir = assets.appendingPathComponent(safeName(image))
            let caseRows = s.rows.filter { $0.image == image }
            let psf = caseRows.first?.psf ?? "real blur"
            h += "<h3>\(e(image)) <span class=\"sub\">(\(e(caseRows.first?.blur ?? "")), PSF <code>\(e(psf))</code>)</span></h3>"
            var cells: [String] = []
            func cell(_ title: String, _ stem: String, score: String, error: Bool) -> String {
                "<div class=\"cell\"><b>\(e(title))</b>" + img(dir.appendingPathComponent("\(stem).thumb.jpg"), cls: "thumb", alt: title)
                    + img(dir.appendingPathComponent("\(stem).crop.png"), cls: "crop", alt: "\(title) crop")
                    + (error ? img(dir.appendingPathComponent("\(stem).error.jpg"), cls: "err", alt: "\(title) error") : "") + "\(score)</div>"
            }
            for label in s.labels {
                guard let row = caseRows.first(where: { $0.label == label }) else { continue }
                let psnr = row.metrics["psnr"].map { String(format: "%.2f dB", $0) } ?? row.status.rawValue
                if row.family == .input {
                    cells.append(cell("blurred", "blurred-input", score: psnr, error: false))
                } else if row.status == .ok {
                    cells.append(cell(label, assetName(row.method, row.psfMode), score: psnr, error: true))
                }
            }
            cells.append(cell("sharp", "sharp", score: "reference", error: false))
            h += "<div class=\"grid\" style=\"grid-template-columns:repeat(\(cells.count),minmax(130px,1fr))\">" + cells.joined() + "</div>"
        }

        // PSF gallery.
        h += "<h2>PSF gallery</h2><div class=\"psfs\">"
        for image in images {
            let dir = assets.appendingPathComponent(safeName(image))
            let row = s.rows.first { $0.image == image }
            h += "<div class=\"psf\">" + img(dir.appendingPathComponent("psf.png"), cls: "", alt: "PSF of \(image)")
                + "\(e(image))<br><code>\(e(row?.psf ?? "unknown"))</code>"
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("psf-estimated.png").path) {
                h += "<br>" + img(dir.appendingPathComponent("psf-estimated.png"), cls: "", alt: "estimated PSF") + "estimated"
            }
            h += "</div>"
        }
        h += "</div>"

        // Methods, metrics, provenance.
        h += "<h2>Methods</h2><table><tr><th>method</th><th>family</th><th>settings</th></tr>"
        for m in info.methods { h += "<tr><td>\(e(m.name))</td><td>\(e(m.family))</td><td style=\"text-align:left\">\(e(m.summary))</td></tr>" }
        h += "</table><p class=\"note\">Classical methods get the PSF named by each row: <i>true</i> (from the data; non-blind) or <i>est. PSF</i> "
            + "(estimated from the blurred image\(info.psfEstimator.map { " by \(e($0))" } ?? "")). Learned methods see only the blurred image.</p>"
        h += "<h2>Metrics (exact variants)</h2><ul>"
        for m in info.metrics { h += "<li><b>\(e(m.name))</b> (<code>\(e(m.id))</code>, \(m.higherIsBetter ? "higher" : "lower") is better): \(e(m.variant))</li>" }
        h += "</ul>"
        let missing = s.rows.filter { $0.status != .ok }
        if !missing.isEmpty {
            h += "<h2>Not scored</h2><ul>"
            let groups = Dictionary(grouping: missing) { "\($0.label): \($0.status.rawValue) — \($0.note ?? "")" }
            for k in groups.keys.sorted() { h += "<li>\(e(k)) (\(groups[k]!.count) images)</li>" }
            h += "</ul>"
        }
        h += "<h2>Provenance</h2><table>"
        let prov: [(String, String)] = [("data", info.dataset), ("layout", info.layout), ("split", "\(info.selection.split), seed \(info.selection.splitSeed), 80/20 by scene"),
            ("degradation", "valid convolution with the PSF → Gaussian noise σ = \(info.selection.noiseSigma) → 8-bit quantisation (seed \(info.selection.seed))"),
            ("git commit", info.gitCommit)] + info.versions.sorted { $0.key < $1.key }.filter { $0.key != "jobs" && $0.key != "threads" }
        for (k, v) in prov { h += "<tr><td>\(e(k))</td><td style=\"text-align:left\"><code>\(e(v))</code></td></tr>" }
        h += "</table></body></html>\n"
        return h
    }

    static func barChart(_ s: Summary, metric m: RunInfo.MetricInfo) -> String {
        let labels = s.labels
        let stats = labels.map { s.stat(label: $0, metric: m.id) }
        let rowH = 20.0, left = 150.0, width = 380.0, top = 30.0
        let height = top + Double(labels.count) * rowH + 30
        let finite = stats.flatMap { st in [st.mean - (st.halfWidth ?? 0), st.mean + (st.halfWidth ?? 0)] }.filter(\.isFinite)
        guard var lo = finite.min(), var hi = finite.max() else { return "" }
        if m.id == "psnr" { lo = floor(lo - 1) } else { lo = min(0, lo) }
        hi += (hi - lo) * 0.05
        if hi <= lo { hi = lo + 1 }
        func x(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * (width - left - 20) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        svg += "<text x=\"\(Int(width / 2))\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"13\">\(SVG.escape(m.name)) \(m.higherIsBetter ? "(higher is better)" : "(lower is better)")</text>"
        for t in SVG.ticks(lo, hi, count: 4) {
            svg += "<line x1=\"\(x(t))\" y1=\"\(top - 4)\" x2=\"\(x(t))\" y2=\"\(height - 24)\" stroke=\"#eee\"/><text x=\"\(x(t))\" y=\"\(height - 10)\" text-anchor=\"middle\">\(SVG.format(t))</text>"
        }
        for (i, (label, st)) in zip(labels, stats).enumerated() where st.mean.isFinite {
            let y = top + Double(i) * rowH
            let family = s.rows.first { $0.label == label }?.family
            let colour = family == .learned ? SVG.palette[1] : family == .input ? "#999999" : SVG.palette[0]
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 13)\" text-anchor=\"end\">\(SVG.escape(label))</text>"
            svg += "<rect x=\"\(x(lo))\" y=\"\(y + 3)\" width=\"\(max(0, x(st.mean) - x(lo)))\" height=\"\(rowH - 6)\" fill=\"\(colour)\"><title>\(SVG.escape(label)): \(fmt(st, digits: digits(m.id)))</title></rect>"
            if let hw = st.halfWidth {
                svg += "<line x1=\"\(x(st.mean - hw))\" y1=\"\(y + rowH / 2)\" x2=\"\(x(st.mean + hw))\" y2=\"\(y + rowH / 2)\" stroke=\"#000\"/>"
            }
        }
        return svg + "</svg>"
    }

    static func scatter(_ s: Summary) -> String {
        let series = s.labels.map { label in
            SVG.Series(name: label, points: s.okRows(label: label).compactMap { r in
                guard let p = r.metrics["psnr"], let l = r.metrics["st_lpips"], p.isFinite else { return nil }
                return (l, p)
            })
        }
        return SVG.scatterChart(title: "PSNR vs ST-LPIPS (each image; up-left is better)", xLabel: "ST-LPIPS (lower is better)",
                                yLabel: "PSNR (dB)", series: series)
    }
}
