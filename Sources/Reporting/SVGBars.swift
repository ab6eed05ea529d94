import Foundation

extension SVG {
    /// One bar of `barChart`: a value with an optional ± half-width (drawn as an error bar).
    public struct Bar: Sendable {
        public var label: String
        public var value: Double
        public var halfWidth: Double?
        public var colour: String
        /// Shown on hover (`<title>`).
        public var tooltip: String

        public init(label: String, value: Double, halfWidth: Double?, colour: String, tooltip: String) {
            self.label = label
            self.value = value
            self.halfWidth = halfWidth
            self.colour = colour
            self.tooltip = tooltip
        }
    }

    /// Where the value axis of a bar chart starts.
    public enum BarAxisStart: Sendable {
        /// At 0, or below it for negative values.
        case zero
        /// At the whole unit at least 1 below the smallest value (for scores such as PSNR in dB).
        case belowMinimum
    }

    /// A horizontal bar chart, one labelled row per bar (bars with a non-finite value leave their
    /// row empty), with error bars, light grid lines and four ticks; the axis ends 5 % past the
    /// largest value.
    public static func barChart(title: String, bars: [Bar], axisStart: BarAxisStart) -> String {
        let rowH = 20.0, left = 150.0, width = 380.0, top = 30.0
        let height = top + Double(bars.count) * rowH + 30
        let finite = bars.flatMap { b in [b.value - (b.halfWidth ?? 0), b.value + (b.halfWidth ?? 0)] }.filter(\.isFinite)
        guard var lo = finite.min(), var hi = finite.max() else { return "" }
        lo = axisStart == .belowMinimum ? floor(lo - 1) : min(0, lo)
        hi += (hi - lo) * 0.05
        if hi <= lo { hi = lo + 1 }
        func x(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * (width - left - 20) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        svg += "<text x=\"\(Int(width / 2))\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"13\">\(escapeHTML(title))</text>"
        for t in ticks(lo, hi, count: 4) {
            svg += "<line x1=\"\(x(t))\" y1=\"\(top - 4)\" x2=\"\(x(t))\" y2=\"\(height - 24)\" stroke=\"#eee\"/><text x=\"\(x(t))\" y=\"\(height - 10)\" text-anchor=\"middle\">\(format(t))</text>"
        }
        for (i, bar) in bars.enumerated() where bar.value.isFinite {
            let y = top + Double(i) * rowH
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 13)\" text-anchor=\"end\">\(escapeHTML(bar.label))</text>"
            svg += "<rect x=\"\(x(lo))\" y=\"\(y + 3)\" width=\"\(max(0, x(bar.value) - x(lo)))\" height=\"\(rowH - 6)\" fill=\"\(bar.colour)\"><title>\(escapeHTML(bar.tooltip))</title></rect>"
            if let hw = bar.halfWidth {
                svg += "<line x1=\"\(x(bar.value - hw))\" y1=\"\(y + rowH / 2)\" x2=\"\(x(bar.value + hw))\" y2=\"\(y + rowH / 2)\" stroke=\"#000\"/>"
            }
        }
        return svg + "</svg>"
    }
}
