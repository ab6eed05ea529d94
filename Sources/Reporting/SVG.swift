import Foundation

/// Small, dependency-free SVG charts for reports and training curves. Every chart is a complete
/// `<svg>` element (inline it in HTML or write it as a file), with axes, ticks, a legend and
/// `<title>` tooltips, in a colour-blind-safe palette (Okabe & Ito 2008). Text goes through
/// `escapeHTML`.
public enum SVG {
    /// The one palette of every chart and report (Okabe & Ito 2008, colour-blind safe).
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// "Nice" tick values covering `lo ... hi` (1, 2 or 5 × 10^k steps).
    public static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        if hi <= lo { return [lo] }
        let raw = (hi - lo) / Double(max(count, 1))
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var out: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9 { out.append(abs(v) < step * 1e-9 ? 0 : v); v += step }
        return out
    }

    public static func format(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1000 || a < 0.001 { return String(format: "%.1e", v) }
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v).replacingOccurrences(of: ".0", with: "") }
        return String(format: "%.3g", v)
    }

    /// Plot frame shared by line and scatter charts.
    struct Frame {
        var w: Double, h: Double
        let left = 62.0, right = 16.0, top = 28.0, bottom = 44.0
        var xr: (Double, Double), yr: (Double, Double)
        func x(_ v: Double) -> Double { left + (v - xr.0) / max(xr.1 - xr.0, 1e-12) * (w - left - right) }
        func y(_ v: Double) -> Double { h - bottom - (v - yr.0) / max(yr.1 - yr.0, 1e-12) * (h - top - bottom) }

        func axes(title: String, xLabel: String, yLabel: String, logY: Bool = false) -> String {
            var s = "<rect x=\"0\" y=\"0\" width=\"\(Int(w))\" height=\"\(Int(h))\" fill=\"white\"/>"
            s += "<text x=\"\(Int(w / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escapeHTML(title))</text>"
            for t in ticks(xr.0, xr.1) {
                let px = x(t)
                s += "<line x1=\"\(r(px))\" y1=\"\(r(top))\" x2=\"\(r(px))\" y2=\"\(r(h - bottom))\" stroke=\"#eee\"/>"
                s += "<text x=\"\(r(px))\" y=\"\(r(h - bottom + 14))\" text-anchor=\"middle\" font-size=\"10\">\(format(t))</text>"
            }
            for t in ticks(yr.0, yr.1) {
                let py = y(t)
                s += "<line x1=\"\(r(left))\" y1=\"\(r(py))\" x2=\"\(r(w - right))\" y2=\"\(r(py))\" stroke=\"#eee\"/>"
                let label = logY ? format(pow(10, t)) : format(t)
                s += "<text x=\"\(r(left - 4))\" y=\"\(r(py + 3))\" text-anchor=\"end\" font-size=\"10\">\(label)</text>"
            }
            s += "<rect x=\"\(r(left))\" y=\"\(r(top))\" width=\"\(r(w - left - right))\" height=\"\(r(h - top - bottom))\" fill=\"none\" stroke=\"#888\"/>"
            s += "<text x=\"\(r((left + w - right) / 2))\" y=\"\(r(h - 8))\" text-anchor=\"middle\" font-size=\"11\">\(escapeHTML(xLabel))</text>"
            s += "<text transform=\"translate(14,\(r((top + h - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"11\">\(escapeHTML(yLabel))</text>"
            return s
        }
    }

    static func r(_ v: Double) -> String { String(format: "%.1f", v) }

    static func range(_ values: [Double], pad: Double = 0.05) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return (0, 1) }
        if hi == lo { return (lo - 0.5, hi + 0.5) }
        let d = (hi - lo) * pad
        return (lo - d, hi + d)
    }

    /// A line chart of one or more series; `logY` plots log10 of positive values.
    public static func lineChart(title: String, xLabel: String, yLabel: String, series: [Series],
                                 width: Int = 480, height: Int = 300, logY: Bool = false) -> String {
        let tr: (Double) -> Double = logY ? { $0 > 0 ? log10($0) : .nan } : { $0 }
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map { tr($0.y) } }
        let f = Frame(w: Double(width), h: Double(height), xr: range(xs, pad: 0), yr: range(ys))
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\">"
        s += f.axes(title: title, xLabel: xLabel, yLabel: yLabel + (logY ? " (log)" : ""), logY: logY)
        var plotted: [(x: Double, y: Double)] = []
        for (i, se) in series.enumerated() {
            let colour = palette[i % palette.count]
            let pts = se.points.filter { tr($0.y).isFinite }.map { (x: f.x($0.x), y: f.y(tr($0.y))) }
            plotted += pts
            if pts.count > 1 {
                s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.8\" points=\"\(pts.map { "\(r($0.x)),\(r($0.y))" }.joined(separator: " "))\"/>"
            }
            for p in se.points where tr(p.y).isFinite {
                s += "<circle cx=\"\(r(f.x(p.x)))\" cy=\"\(r(f.y(tr(p.y))))\" r=\"2.2\" fill=\"\(colour)\"><title>\(escapeHTML(se.name)): \(format(p.x)), \(format(p.y))</title></circle>"
            }
        }
        // The legend goes last (so no line is drawn over it), on a white box, in the corner of the plot
        // that covers the fewest points — a training curve rising to the top right keeps its end visible.
        let box = legendBox(frame: f, entries: series.count, points: plotted)
        s += "<rect x=\"\(r(box.x))\" y=\"\(r(box.y))\" width=\"\(r(box.width))\" height=\"\(r(box.height))\" fill=\"white\" fill-opacity=\"0.85\"/>"
        for (i, se) in series.enumerated() {
            let colour = palette[i % palette.count]
            s += "<rect x=\"\(r(box.x + 4))\" y=\"\(r(box.y + 3 + Double(i) * 15))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            s += "<text x=\"\(r(box.x + 18))\" y=\"\(r(box.y + 12 + Double(i) * 15))\" font-size=\"11\">\(escapeHTML(se.name))</text>"
        }
        return s + "</svg>"
    }

    /// The legend's box (128 px wide, 15 px a series): of the plot's four inner corners, the one whose box
    /// covers the fewest of `points` (SVG coordinates); ties go to the first of top right, bottom right,
    /// top left, bottom left.
    static func legendBox(frame f: Frame, entries: Int, points: [(x: Double, y: Double)])
        -> (x: Double, y: Double, width: Double, height: Double) {
        let width = 128.0, height = Double(entries) * 15 + 4
        let xs = [f.w - f.right - 134, f.left + 6], ys = [f.top + 3, f.h - f.bottom - 3 - height]
        let corners = [(xs[0], ys[0]), (xs[0], ys[1]), (xs[1], ys[0]), (xs[1], ys[1])]
        func covered(_ c: (Double, Double)) -> Int {
            points.filter { $0.x >= c.0 - 2 && $0.x <= c.0 + width + 2 && $0.y >= c.1 - 2 && $0.y <= c.1 + height + 2 }.count
        }
        let best = corners.min { covered($0) < covered($1) }!
        return (best.0, best.1, width, height)
    }

    /// A scatter plot, one colour and marker per series, legend to the right of the plot.
    public static func scatterChart(title: String, xLabel: String, yLabel: String, series: [Series],
                                    width: Int = 600, height: Int = 340) -> String {
        let legendWidth = 150.0
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        var f = Frame(w: Double(width) - legendWidth, h: Double(height), xr: range(xs), yr: range(ys))
        f.w = Double(width) - legendWidth
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\">"
        s += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>"
        s += f.axes(title: title, xLabel: xLabel, yLabel: yLabel)
        let markers = ["circle", "square", "triangle"]
        for (i, se) in series.enumerated() {
            let colour = palette[i % palette.count], marker = markers[(i / palette.count) % markers.count]
            func mark(_ x: Double, _ y: Double, _ tip: String) -> String {
                switch marker {
                case "square": return "<rect x=\"\(r(x - 3))\" y=\"\(r(y - 3))\" width=\"6\" height=\"6\" fill=\"\(colour)\" fill-opacity=\"0.8\">\(tip)</rect>"
                case "triangle": return "<path d=\"M\(r(x)),\(r(y - 4)) L\(r(x + 4)),\(r(y + 3)) L\(r(x - 4)),\(r(y + 3)) Z\" fill=\"\(colour)\" fill-opacity=\"0.8\">\(tip)</path>"
                default: return "<circle cx=\"\(r(x))\" cy=\"\(r(y))\" r=\"3.5\" fill=\"\(colour)\" fill-opacity=\"0.8\">\(tip)</circle>"
                }
            }
            for p in se.points where p.x.isFinite && p.y.isFinite {
                s += mark(f.x(p.x), f.y(p.y), "<title>\(escapeHTML(se.name)): \(format(p.x)), \(format(p.y))</title>")
            }
            let ly = f.top + 6 + Double(i) * 15
            s += mark(Double(width) - legendWidth + 12, ly + 4, "")
            s += "<text x=\"\(r(Double(width) - legendWidth + 22))\" y=\"\(r(ly + 8))\" font-size=\"11\">\(escapeHTML(se.name))</text>"
        }
        return s + "</svg>"
    }
}
