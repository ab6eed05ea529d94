import Foundation
import Testing
@testable import Reporting

@Suite("Line chart legend")
struct LineChartTests {
    /// The legend's white box as drawn: the last `fill-opacity="0.85"` rectangle of the chart.
    func legendBox(_ svg: String) throws -> (x: Double, y: Double) {
        let tag = try #require(svg.components(separatedBy: "<rect ").last { $0.contains("fill-opacity=\"0.85\"") })
        func value(_ name: String) throws -> Double {
            let after = try #require(tag.components(separatedBy: "\(name)=\"").dropFirst().first)
            return try #require(Double(after.prefix { $0 != "\"" }))
        }
        return (try value("x"), try value("y"))
    }

    @Test("a curve rising to the top right keeps its end visible: the legend moves to the emptiest corner, drawn after every line")
    func legendAvoidsTheCurve() throws {
        // A validation-PSNR-like curve: rises fast, then creeps up to the top right.
        let risingPoints: [(x: Double, y: Double)] = (1 ... 100).map { e in
            let x = Double(e)
            return (x: x, y: 30 + 3 * (1 - exp(-x / 15)))
        }
        let rising = SVG.Series(name: "validation PSNR", points: risingPoints)
        let flat = SVG.Series(name: "noisy input", points: [(1, 20), (100, 20)])
        let svg = SVG.lineChart(title: "t", xLabel: "epoch", yLabel: "dB", series: [rising, flat])
        let box = try legendBox(svg)
        // Frame 480 × 300, margins left 62 / right 16 / top 28 / bottom 44: top right would be (330, 31).
        #expect(box.x > 300 && box.y > 150, "legend at \(box) — expected the bottom-right corner, under the curve")
        // Drawn after both polylines, so neither crosses it.
        let legendAt = try #require(svg.range(of: "fill-opacity=\"0.85\""))
        let lastLine = try #require(svg.range(of: "<polyline", options: String.CompareOptions.backwards))
        #expect(lastLine.lowerBound < legendAt.lowerBound)

        // A falling loss curve leaves the top right free: the default corner.
        let fallingPoints: [(x: Double, y: Double)] = (1 ... 100).map { e in
            let x = Double(e)
            return (x: x, y: exp(-x / 20))
        }
        let falling = SVG.Series(name: "train", points: fallingPoints)
        let box2 = try legendBox(SVG.lineChart(title: "t", xLabel: "epoch", yLabel: "loss", series: [falling], logY: true))
        #expect(box2.x == 330 && box2.y == 31)
    }
}

@Suite struct HistogramTests {
    @Test("study charts tick round values: a histogram's count axis runs to a multiple of 4 (whole cases), value axes step by 1, 2 or 5 × 10^k")
    func ticksAreRound() throws {
        // Five values in one bin: the axis runs to 8 (ticks 0, 2, 4, 6, 8), not 5 (1.25, 2.5, …).
        let svg = SVG.histogram([0.1, 0.1, 0.1, 0.1, 0.1, 0.9], title: "t", xLabel: "x", lo: 0, hi: 1, bins: 4)
        let labels = try Regex(#"<text x='42\.0' y='[0-9.]+' text-anchor='end' class='a'>([^<]*)</text>"#)
        let ticks = svg.matches(of: labels).map { String($0.output[1].substring ?? "") }
        #expect(ticks == ["0", "2", "4", "6", "8"])
        let four = SVG.histogram([0.1, 0.1, 0.1, 0.1], title: "t", xLabel: "x", lo: 0, hi: 1, bins: 4)
        #expect(four.matches(of: labels).map { String($0.output[1].substring ?? "") } == ["0", "1", "2", "3", "4"])
        // The value axis: round values, not quarters of the range (−1…4 gave −1, 0.25, 1.5, 2.8, 4).
        let xLabels = try Regex(#"<text x='[0-9.]+' y='208.0' text-anchor='middle' class='a'>([^<]*)</text>"#)
        #expect(svg.matches(of: xLabels).map { String($0.output[1].substring ?? "") } == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        let log = SVG.histogram([0, 1], title: "t", xLabel: "x", lo: -1, hi: 4)
        #expect(log.matches(of: xLabels).map { String($0.output[1].substring ?? "") } == ["-1", "0", "1", "2", "3", "4"])
        let curves = SVG.rateCurves([("a", [0.5, 1])], thresholds: [1.5, 3], title: "t", xLabel: "x", yLabel: "y")
        let curveX = try Regex(#"<text x='[0-9.]+' y='268.0' text-anchor='middle' class='a'>([^<]*)</text>"#)
        #expect(curves.matches(of: curveX).map { String($0.output[1].substring ?? "") } == ["1.5", "2", "2.5", "3"])
    }
}
