import Foundation

// Charts of parameter studies: estimated-vs-true scatter plots, histograms of errors and
// success-rate curves. Each is a complete `<svg>` in a 46-px-margin frame with ticks at round
// values (`plotAxes`); styling comes from the page's CSS classes `chart` (the frame), `t` (titles)
// and `a` (axis text).

extension SVG {
    /// A scatter plot of (true, estimated) with the identity line and a ± `tolerance` band.
    /// With `identity` false the axes get their own ranges and no diagonal is drawn. Points above
    /// the y range are drawn at its edge.
    public static func identityScatter(_ points: [(Double, Double)], title: String, xLabel: String, yLabel: String,
                                       tolerance: Double? = nil, identity: Bool = true) -> String {
        let w = 360.0, h = 300.0, m = 46.0
        guard !points.isEmpty else { return "" }
        let values = points.flatMap { [$0.0, $0.1] }.filter(\.isFinite)
        let xs = points.map(\.0).filter(\.isFinite), ys = points.map(\.1).filter(\.isFinite)
        let lo = min(0, values.min() ?? 0), hi = max(values.max() ?? 1, lo + 1)
        let xLo = identity ? lo : min(0, xs.min() ?? 0), xHi = identity ? hi : max(xs.max() ?? 1, xLo + 1e-9)
        let yLo = identity ? lo : min(0, ys.min() ?? 0), yHi = identity ? hi : max(ys.max() ?? 1, yLo + 1e-9)
        func sx(_ v: Double) -> Double { m + (v - xLo) / (xHi - xLo) * (w - m - 10) }
        func sy(_ v: Double) -> Double { h - m - (v - yLo) / (yHi - yLo) * (h - m - 24) }
        var s = plotHeader(w: w, h: h, title: escapeHTML(title))
        if let t = tolerance {
            s += "<polygon points='\(sx(lo)),\(sy(lo + t)) \(sx(hi - t)),\(sy(hi)) \(sx(hi)),\(sy(hi)) \(sx(hi)),\(sy(hi - t)) \(sx(lo + t)),\(sy(lo)) \(sx(lo)),\(sy(lo))' fill='#e8f3e8'/>"
        }
        s += plotAxes(w: w, h: h, m: m, xLo: xLo, xHi: xHi, yLo: yLo, yHi: yHi, xLabel: xLabel, yLabel: yLabel)
        if identity {
            s += "<line x1='\(sx(lo))' y1='\(sy(lo))' x2='\(sx(hi))' y2='\(sy(hi))' stroke='#888' stroke-dasharray='4 3'/>"
        }
        for (x, y) in points where x.isFinite && y.isFinite {
            let yc = min(max(y, yLo), yHi)
            s += "<circle cx='\(r(sx(x)))' cy='\(r(sy(yc)))' r='3' fill='\(palette[0])' fill-opacity='0.6'/>"
        }
        return s + "</svg>"
    }

    /// A histogram of `values` over [lo, hi] in `bins` bins (values outside go to the end bins and
    /// are counted in the title), with dashed vertical lines at `marks`.
    public static func histogram(_ values: [Double], title: String, xLabel: String, lo: Double, hi: Double, bins: Int = 24,
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
        // The count axis runs to a multiple of 4, so its round ticks are whole cases.
        let peak = Double((max(1, counts.max() ?? 1) + 3) / 4 * 4)
        var s = plotHeader(w: w, h: h, title: escapeHTML(title) + (outside > 0 ? " (\(outside) outside, in end bins)" : ""))
        s += plotAxes(w: w, h: h, m: m, xLo: lo, xHi: hi, yLo: 0, yHi: peak, xLabel: xLabel, yLabel: "cases")
        let bw = (w - m - 10) / Double(bins)
        for (i, c) in counts.enumerated() where c > 0 {
            let bh = Double(c) / peak * (h - m - 24)
            s += "<rect x='\(r(m + Double(i) * bw + 0.5))' y='\(r(h - m - bh))' width='\(r(bw - 1))' height='\(r(bh))' fill='\(palette[0])'/>"
        }
        for mark in marks where mark >= lo && mark <= hi {
            let x = m + (mark - lo) / (hi - lo) * (w - m - 10)
            s += "<line x1='\(x)' y1='24' x2='\(x)' y2='\(h - m)' stroke='\(palette[1])' stroke-dasharray='4 3'/>"
        }
        return s + "</svg>"
    }

    /// Success rate (0…1) against a threshold, one line per named series, over `thresholds`.
    public static func rateCurves(_ series: [(String, [Double])], thresholds: [Double], title: String,
                                  xLabel: String, yLabel: String, anchors: [(name: String, points: [(x: Double, rate: Double)])] = []) -> String {
        let w = 420.0, h = 300.0, m = 46.0
        let lo = thresholds.first ?? 0, hi = thresholds.last ?? 1
        func sx(_ v: Double) -> Double { m + (v - lo) / (hi - lo) * (w - m - 10) }
        func sy(_ v: Double) -> Double { h - m - v * (h - m - 24) }
        var s = plotHeader(w: w, h: h, title: escapeHTML(title))
        s += plotAxes(w: w, h: h, m: m, xLo: lo, xHi: hi, yLo: 0, yHi: 1, xLabel: xLabel, yLabel: yLabel, yPercent: true)
        for (i, (name, rates)) in series.enumerated() {
            let colour = palette[i % palette.count]
            let path = zip(thresholds, rates).map { "\(r(sx($0))),\(r(sy($1)))" }.joined(separator: " ")
            s += "<polyline points='\(path)' fill='none' stroke='\(colour)' stroke-width='2'/>"
            s += "<text x='\(m + 8)' y='\(h - m - 10 - Double(i) * 14)' class='a' fill='\(colour)'>\(escapeHTML(name))</text>"
        }
        // Published points (not curves): hollow diamonds, labelled in the legend below the series.
        for (j, anchor) in anchors.enumerated() {
            let colour = palette[(series.count + j) % palette.count]
            for p in anchor.points where p.x >= lo && p.x <= hi {
                let cx = sx(p.x), cy = sy(p.rate)
                s += "<polygon points='\(r(cx)),\(r(cy - 5)) \(r(cx + 5)),\(r(cy)) \(r(cx)),\(r(cy + 5)) \(r(cx - 5)),\(r(cy))' fill='none' stroke='\(colour)' stroke-width='1.5'/>"
            }
            s += "<text x='\(m + 8)' y='\(h - m - 10 - Double(series.count + j) * 14)' class='a' fill='\(colour)'>◇ \(escapeHTML(anchor.name))</text>"
        }
        return s + "</svg>"
    }

    /// The opening `<svg>` of a study plot and its title (already escaped).
    static func plotHeader(w: Double, h: Double, title: String) -> String {
        "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(w))' height='\(Int(h))' class='chart'>"
            + "<text x='\(w / 2)' y='15' text-anchor='middle' class='t'>\(title)</text>"
    }

    /// Axes with ticks at round values (`SVG.ticks`: steps of 1, 2 or 5 × 10^k, about five per
    /// axis; a percent axis at 0, 25, 50, 75 and 100 %), grid lines at the y ticks, and axis labels.
    static func plotAxes(w: Double, h: Double, m: Double, xLo: Double, xHi: Double, yLo: Double, yHi: Double,
                         xLabel: String, yLabel: String, yPercent: Bool = false) -> String {
        var s = "<line x1='\(m)' y1='\(h - m)' x2='\(w - 10)' y2='\(h - m)' stroke='#333'/><line x1='\(m)' y1='24' x2='\(m)' y2='\(h - m)' stroke='#333'/>"
        for xv in ticks(xLo, xHi) {
            let x = m + (xv - xLo) / (xHi - xLo) * (w - m - 10)
            s += "<text x='\(r(x))' y='\(h - m + 14)' text-anchor='middle' class='a'>\(plotTick(xv))</text>"
        }
        let yTicks = yPercent ? [0, 0.25, 0.5, 0.75, 1].map { yLo + $0 * (yHi - yLo) } : ticks(yLo, yHi)
        for yv in yTicks {
            let y = h - m - (yv - yLo) / (yHi - yLo) * (h - m - 24)
            s += "<text x='\(m - 4)' y='\(r(y + 4))' text-anchor='end' class='a'>\(yPercent ? "\(Int((yv * 100).rounded()))%" : plotTick(yv))</text>"
            s += "<line x1='\(m)' y1='\(r(y))' x2='\(w - 10)' y2='\(r(y))' stroke='#eee'/>"
        }
        s += "<text x='\((w + m) / 2)' y='\(h - 8)' text-anchor='middle' class='a'>\(escapeHTML(xLabel))</text>"
        s += "<text x='12' y='\((h - m) / 2 + 12)' text-anchor='middle' class='a' transform='rotate(-90 12 \((h - m) / 2 + 12))'>\(escapeHTML(yLabel))</text>"
        return s
    }

    /// A tick label: integers as they are, else two significant digits (below 10) or none after the point.
    static func plotTick(_ v: Double) -> String {
        abs(v - v.rounded()) < 1e-9 ? String(Int(v.rounded())) : String(format: abs(v) < 10 ? "%.2g" : "%.0f", v)
    }
}
