import Foundation
import Reporting

// `report.html` of a comparison, prepared step by step as `Reporting` blocks: each section below
// is one function, in page order; `HTMLWriter` lays the document out.

extension ReportWriter {
    /// The self-contained comparison page: summary tables, run time, charts, win rates, image
    /// grids, the PSF gallery, methods, metric variants, what was not scored and provenance.
    public static func html(_ s: Summary, info: RunInfo, assets: URL) throws -> String {
        var blocks = [runLine(s, info: info)]
        blocks += summarySection(s, info: info)
        blocks += runTimeSection(s, info: info)
        blocks += chartsSection(s, info: info)
        blocks += winRateSection(s, info: info)
        blocks += pairedTestBlocks(s, info: info, heading: true)
        blocks += imagesSection(s, assets: assets)
        blocks += psfGallery(s, assets: assets)
        blocks += methodsSection(info)
        blocks += metricsSection(info)
        blocks += notScoredSection(s)
        blocks += provenanceSection(info)
        return try HTMLWriter.page(Document(title: "Deblur Workbench — comparison", heading: "Deblur Workbench — method comparison",
                                        stylesheet: comparisonStylesheet, blocks: blocks))
    }

    /// The line under the heading: images, data, split, blur, noise and seeds.
    static func runLine(_ s: Summary, info: RunInfo) -> Block {
        let sel = info.selection
        return .paragraph([
            .text("\(imageCount(s)) images · data "), .code(sel.data),
            .text(" (\(info.layout)) · \(sel.split) split\n(scenes: \(info.testScenes.joined(separator: ", "))) · blur "), .code(sel.blur),
            .text(" · noise σ = \(sel.noiseSigma)\n· seed \(sel.seed) · split seed \(sel.splitSeed)"),
        ], cssClass: "sub")
    }

    static func summarySection(_ s: Summary, info: RunInfo) -> [Block] {
        func table(blur: String?) -> Block {
            .table(metricTable(s, info: info, blur: blur, lastColumn: ("n", { "\(s.okRows(label: $0, blur: blur).count)" })))
        }
        var blocks: [Block] = [
            .heading(level: 2, [.text("Summary")]),
            .paragraph([.text(spreadNote + " n = images in the cell. Best per column in bold green. "
                + "Restored images are clipped to [0, 1] before scoring, as writing an 8-bit file would; the share of clipped values is in results.csv.")],
                cssClass: "note"),
            .heading(level: 3, [.text("All blur kinds")]), table(blur: nil),
        ]
        for k in s.blurKinds where s.blurKinds.count > 1 {
            let n = Set(s.rows.filter { $0.blur == k }.map(\.image)).count
            blocks += [.heading(level: 3, [.text("\(k) (n = \(n))")]), table(blur: k)]
        }
        return blocks
    }

    static func runTimeSection(_ s: Summary, info: RunInfo) -> [Block] {
        var table = Table(header: ["method", "mean s / image", "total s"])
        for label in s.labels {
            let total = s.okRows(label: label).compactMap(\.seconds).reduce(0, +)
            table.append([Cell(label), Cell(fmt(s.time(label: label), digits: 3)), Cell(String(format: "%.2f", total))])
        }
        return [.heading(level: 2, [.text("Run time")]), .table(table),
                .paragraph([.text("Restoration only (not scoring; rows with an estimated PSF include the PSF estimation), on this machine, with "
                    + "\(info.versions["threads"] ?? "?") threads; images run \(info.versions["jobs"] ?? "?") at a time.")], cssClass: "note")]
    }

    static func chartsSection(_ s: Summary, info: RunInfo) -> [Block] {
        var charts = info.metrics.map { barChart(s, metric: $0) }
        if info.metrics.contains(where: { $0.id == "psnr" }), info.metrics.contains(where: { $0.id == "st_lpips" }) {
            charts.append(scatter(s))
        }
        return [.heading(level: 2, [.text("Charts")]), .charts(charts, cssClass: "charts")]
    }

    /// Share of images on which the row method beats the column method, on PSNR (else the first metric).
    static func winRateSection(_ s: Summary, info: RunInfo) -> [Block] {
        guard let m = info.metrics.first(where: { $0.id == "psnr" }) ?? info.metrics.first else { return [] }
        var table = Table(header: [""] + s.labels.map { Cell($0) })
        for a in s.labels {
            table.append([Cell(a)] + s.labels.map { b in
                if a == b { return "—" }
                guard let w = s.winRate(a, b, metric: m.id, higherIsBetter: m.higherIsBetter) else { return "" }
                let r = Int(255 - 120 * w), g = Int(255 - 120 * (1 - w))   // green for wins, red for losses
                return Cell("\(Int((w * 100).rounded()))%", cssClass: "w", style: "background:rgb(\(r),\(g + 0),\(min(r, g)))")
            })
        }
        return [.heading(level: 2, [.text("Win rate (\(m.name))")]),
                .paragraph([.text("Share of images on which the row method scores better than the column method (ties count half).")], cssClass: "note"),
                .table(table)]
    }

    /// For the first image of each blur kind: every method's whole picture, detail crop and error map.
    static func imagesSection(_ s: Summary, assets: URL) -> [Block] {
        var blocks: [Block] = [
            .heading(level: 2, [.text("Images")]),
            .paragraph([.text("Per image: the whole picture, a \(ComparisonRunner.crop)×\(ComparisonRunner.crop) crop where the sharp image has the most detail (pixels enlarged), and |restored − sharp| "
                + "(inferno colour map, 0 … \(ComparisonRunner.errorScale); brighter = larger error; the same scale for every method). PSNR under each image.")],
                cssClass: "note"),
        ]
        let images = Array(Set(s.rows.map(\.image))).sorted()
        var shown: [String] = []
        for k in s.blurKinds { if let first = images.first(where: { img in s.rows.contains { $0.image == img && $0.blur == k } }) { shown.append(first) } }
        for image in shown { blocks += imageGrid(s, image: image, assets: assets.appendingPathComponent(safeName(image))) }
        return blocks
    }

    /// One image's row of figures: the blurred input, each restored method, then the sharp reference.
    static func imageGrid(_ s: Summary, image: String, assets dir: URL) -> [Block] {
        let caseRows = s.rows.filter { $0.image == image }
        let psf = caseRows.first?.psf ?? "real blur"
        func figure(_ title: String, _ stem: String, score: String, error: Bool) -> [Inline] {
            [.bold(title),
             .picture(Picture(.file(dir.appendingPathComponent("\(stem).thumb.jpg")), cssClass: "thumb", alt: title)),
             .picture(Picture(.file(dir.appendingPathComponent("\(stem).crop.png")), cssClass: "crop", alt: "\(title) crop"))]
                + (error ? [.picture(Picture(.file(dir.appendingPathComponent("\(stem).error.jpg")), cssClass: "err", alt: "\(title) error"))] : [])
                + [.text(score)]
        }
        var figures: [[Inline]] = []
        for label in s.labels {
            guard let row = caseRows.first(where: { $0.label == label }) else { continue }
            let psnr = row.metrics["psnr"].map { String(format: "%.2f dB", $0) } ?? row.status.rawValue
            if row.family == .input {
                figures.append(figure("blurred", "blurred-input", score: psnr, error: false))
            } else if row.status == .ok {
                figures.append(figure(label, assetName(row.method, row.psfMode), score: psnr, error: true))
            }
        }
        figures.append(figure("sharp", "sharp", score: "reference", error: false))
        return [.heading(level: 3, [.text("\(image) "), .span(cssClass: "sub", [.text("(\(caseRows.first?.blur ?? ""), PSF "), .code(psf), .text(")")])]),
                .figures(figures, containerClass: "grid", figureClass: "cell",
                         style: "grid-template-columns:repeat(\(figures.count),minmax(130px,1fr))")]
    }

    /// Every image's true PSF (and the estimated one where the comparison estimated it).
    static func psfGallery(_ s: Summary, assets: URL) -> [Block] {
        let images = Array(Set(s.rows.map(\.image))).sorted()
        let figures: [[Inline]] = images.map { image in
            let dir = assets.appendingPathComponent(safeName(image))
            let row = s.rows.first { $0.image == image }
            var figure: [Inline] = [.picture(Picture(.file(dir.appendingPathComponent("psf.png")), cssClass: "", alt: "PSF of \(image)")),
                                    .text(image), .lineBreak, .code(row?.psf ?? "unknown")]
            let estimated = dir.appendingPathComponent("psf-estimated.png")
            if FileManager.default.fileExists(atPath: estimated.path) {
                figure += [.lineBreak, .picture(Picture(.file(estimated), cssClass: "", alt: "estimated PSF")), .text("estimated")]
            }
            return figure
        }
        return [.heading(level: 2, [.text("PSF gallery")]), .figures(figures, containerClass: "psfs", figureClass: "psf")]
    }

    static func methodsSection(_ info: RunInfo) -> [Block] {
        var table = Table(header: ["method", "family", "settings"])
        for m in info.methods { table.append([Cell(m.name), Cell(m.family), Cell(m.summary, style: "text-align:left")]) }
        return [.heading(level: 2, [.text("Methods")]), .table(table),
                .paragraph([.text("Classical methods get the PSF named by each row: "), .italic("true"), .text(" (from the data; non-blind) or "),
                            .italic("est. PSF"), .text(" (estimated from the blurred image\(info.psfEstimator.map { " by \($0)" } ?? "")). Learned methods see only the blurred image.")],
                           cssClass: "note")]
    }

    static func metricsSection(_ info: RunInfo) -> [Block] {
        [.heading(level: 2, [.text("Metrics (exact variants)")]),
         .list(info.metrics.map { m in
             [.bold(m.name), .text(" ("), .code(m.id), .text(", \(m.higherIsBetter ? "higher" : "lower") is better): \(m.variant)")]
         })]
    }

    static func notScoredSection(_ s: Summary) -> [Block] {
        guard let groups = notScoredGroups(s) else { return [] }
        return [.heading(level: 2, [.text("Not scored")]), .list(groups.map { [.text("\($0.key) (\($0.count) images)")] })]
    }

    /// Data, layout, split, degradation, git commit and tool versions (not the thread counts).
    static func provenanceSection(_ info: RunInfo) -> [Block] {
        let sel = info.selection
        let prov: [(String, String)] = [("data", info.dataset), ("layout", info.layout), ("split", "\(sel.split), seed \(sel.splitSeed), 80/20 by scene"),
            ("degradation", "valid convolution with the PSF → Gaussian noise σ = \(sel.noiseSigma) → 8-bit quantisation (seed \(sel.seed))"),
            ("git commit", info.gitCommit)] + info.versions.sorted { $0.key < $1.key }.filter { $0.key != "jobs" && $0.key != "threads" }
        var table = Table(header: [])
        for (k, v) in prov { table.append([Cell(k), Cell([.code(v)], style: "text-align:left")]) }
        return [.heading(level: 2, [.text("Provenance")]), .table(table)]
    }

    /// One bar per method label (mean with its 95 % CI); learned methods in the second colour, the input gray.
    static func barChart(_ s: Summary, metric m: RunInfo.MetricInfo) -> String {
        let bars = s.labels.map { label in
            let st = s.stat(label: label, metric: m.id)
            let family = s.rows.first { $0.label == label }?.family
            let colour = family == .learned ? SVG.palette[1] : family == .input ? "#999999" : SVG.palette[0]
            return SVG.Bar(label: label, value: st.mean, halfWidth: st.halfWidth, colour: colour,
                           tooltip: "\(label): \(fmt(st, digits: digits(m.id)))")
        }
        return SVG.barChart(title: "\(m.name) \(m.higherIsBetter ? "(higher is better)" : "(lower is better)")", bars: bars,
                            axisStart: m.id == "psnr" ? .belowMinimum : .zero)
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

    /// Layout of the comparison page (CSS only).
    static let comparisonStylesheet = """
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
    """
}
