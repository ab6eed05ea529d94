import Foundation

/// A line plot of a lesson (PSNR against NSR, against iterations …), drawn as inline SVG by the
/// server so the web page and the handout show the same picture and the page has no plotting code.
public struct LessonPlot: Sendable, Codable, Equatable {
    public struct Series: Sendable, Codable, Equatable {
        public var label: String
        public var x: [Double]
        public var y: [Double]
        public var colour: String

        public init(label: String, x: [Double], y: [Double], colour: String) {
            self.label = label; self.x = x; self.y = y; self.colour = colour
        }
    }

    public struct Mark: Sendable, Codable, Equatable {
        public var label: String
        public var x: Double
        public var y: Double
        public var colour: String

        public init(label: String, x: Double, y: Double, colour: String) {
            self.label = label; self.x = x; self.y = y; self.colour = colour
        }
    }

    public var name: String
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX: Bool
    public var series: [Series]
    public var marks: [Mark]

    public init(name: String, title: String, xLabel: String, yLabel: String, logX: Bool, series: [Series], marks: [Mark]) {
        self.name = name; self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.logX = logX; self.series = series; self.marks = marks
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]

    /// The plot as a standalone SVG element (`width` × `height` user units, scales with CSS).
    public func svg(width: Double = 460, height: Double = 270) -> String {
        let left = 56.0, right = 26.0, top = 44.0, bottom = 40.0
        let xs = series.flatMap(\.x) + marks.map(\.x), ys = (series.flatMap(\.y) + marks.map(\.y)).filter(\.isFinite)
        func tx(_ v: Double) -> Double { logX ? log10(max(v, 1e-300)) : v }
        let xValues = xs.map(tx).filter(\.isFinite)
        var x0 = xValues.min() ?? 0, x1 = xValues.max() ?? 1
        var y0 = ys.min() ?? 0, y1 = ys.max() ?? 1
        if x1 - x0 < 1e-12 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-9 { y0 -= 0.5; y1 += 0.5 }
        let pad = (y1 - y0) * 0.06
        y0 -= pad; y1 += pad
        let pw = width - left - right, ph = height - top - bottom
        func px(_ v: Double) -> Double { left + (tx(v) - x0) / (x1 - x0) * pw }
        func py(_ v: Double) -> Double { top + (1 - (v - y0) / (y1 - y0)) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(escape(title))\" class=\"plot\" data-plot=\"\(escape(name))\">"
        out += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#fff\"/>"
        out += "<text x=\"\(f(left))\" y=\"16\" font-size=\"13\" font-weight=\"600\">\(escape(title))</text>"
        // Axes and ticks.
        out += "<path d=\"M\(f(left)) \(f(top)) V\(f(top + ph)) H\(f(left + pw))\" stroke=\"#444\" fill=\"none\"/>"
        for t in ticks(y0, y1, count: 5) {
            out += "<line x1=\"\(f(left - 4))\" x2=\"\(f(left + pw))\" y1=\"\(f(py(t)))\" y2=\"\(f(py(t)))\" stroke=\"#e3e3e3\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" font-size=\"11\" text-anchor=\"end\">\(tickLabel(t))</text>"
        }
        let xTicks = logX ? (Int(x0.rounded(.up)) ... Int(max(x0.rounded(.up), x1.rounded(.down)))).map { Double($0) } : ticks(x0, x1, count: 6)
        for t in xTicks {
            let v = logX ? pow(10, t) : t
            out += "<line x1=\"\(f(px(v)))\" x2=\"\(f(px(v)))\" y1=\"\(f(top + ph))\" y2=\"\(f(top + ph + 4))\" stroke=\"#444\"/>"
            out += "<text x=\"\(f(px(v)))\" y=\"\(f(top + ph + 16))\" font-size=\"11\" text-anchor=\"middle\">\(logX ? "10^\(Int(t))" : tickLabel(t))</text>"
        }
        out += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 4))\" font-size=\"12\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        out += "<text x=\"12\" y=\"\(f(top + ph / 2))\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(f(top + ph / 2)))\">\(escape(yLabel))</text>"
        // Lines.
        for s in series {
            let points = zip(s.x, s.y).filter { $0.1.isFinite && tx($0.0).isFinite }.map { "\(f(px($0.0))),\(f(py($0.1)))" }
            guard !points.isEmpty else { continue }
            out += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(s.colour)\" stroke-width=\"2\"><title>\(escape(s.label))</title></polyline>"
        }
        // Marks, named in a row under the title (labels beside the points would collide when marks meet).
        var mx = left
        for m in marks where m.y.isFinite {
            out += "<circle cx=\"\(f(px(m.x)))\" cy=\"\(f(py(m.y)))\" r=\"4.5\" fill=\"\(m.colour)\" stroke=\"#fff\" data-mark=\"\(escape(m.label))\"/>"
            out += "<circle cx=\"\(f(mx + 4))\" cy=\"31\" r=\"4\" fill=\"\(m.colour)\"/>"
            out += "<text x=\"\(f(mx + 11))\" y=\"35\" font-size=\"11\" fill=\"\(m.colour)\">\(escape(m.label))</text>"
            mx += 22 + Double(m.label.count) * 6
        }
        // Legend.
        var lx = left + 6
        for s in series where series.count > 1 {
            out += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 16))\" y1=\"\(f(top + 10))\" y2=\"\(f(top + 10))\" stroke=\"\(s.colour)\" stroke-width=\"2\"/>"
            out += "<text x=\"\(f(lx + 20))\" y=\"\(f(top + 14))\" font-size=\"11\">\(escape(s.label))</text>"
            lx += 28 + Double(s.label.count) * 6
        }
        return out + "</svg>"
    }

    private func ticks(_ a: Double, _ b: Double, count: Int) -> [Double] {
        let raw = (b - a) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var t = (a / step).rounded(.up) * step, out: [Double] = []
        while t <= b + step * 1e-9 { out.append(t); t += step }
        return out
    }

    private func tickLabel(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(format: "%g", r)
    }
}

func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
