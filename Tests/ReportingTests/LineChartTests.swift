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
