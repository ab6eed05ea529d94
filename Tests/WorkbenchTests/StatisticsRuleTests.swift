import Foundation
import Testing
@testable import Workbench

/// `Fixtures/stats.json`, written by scripts/reference/make_stats_fixture.py (SciPy 1.17.1).
struct StatsFixture: Decodable {
    struct Wilcoxon: Decodable { let name: String; let differences: [Double]; let statistic: Double; let pvalue: Double }
    struct Interval: Decodable { let values: [Double]; let kind: String; let mean: Double; let lower: Double; let upper: Double }
    let tool: String
    let wilcoxon: [Wilcoxon]
    let intervals: [Interval]

    static func load() throws -> StatsFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/stats.json")
        return try JSONDecoder().decode(StatsFixture.self, from: Data(contentsOf: url))
    }
}

@Suite("Report statistics against SciPy")
struct StatisticsRuleTests {
    @Test("Wilcoxon signed-rank: statistic and two-sided p-value match scipy.stats.wilcoxon defaults in all three branches")
    func wilcoxon() throws {
        let fixture = try StatsFixture.load()
        var methods: Set<WilcoxonSignedRank.Method> = []
        for c in fixture.wilcoxon {
            let w = try #require(WilcoxonSignedRank(differences: c.differences))
            methods.insert(w.method)
            #expect(w.statistic == c.statistic, "\(c.name)")
            #expect(abs(w.pValue - c.pvalue) <= 1e-12 + 1e-9 * c.pvalue, "\(c.name): \(w.pValue) vs SciPy \(c.pvalue)")
            #expect(c.name.hasPrefix(w.method == .normal ? "normal" : w.method.rawValue), "\(c.name) used \(w.method)")
        }
        #expect(methods == [.exact, .permutation, .normal])
    }

    @Test("Wilcoxon: mirrored differences give the same p-value; nothing to test gives nil")
    func wilcoxonEdges() throws {
        let d = [0.3, -1.2, 2.5, 0.7, 1.1, -0.4, 0.9]
        let a = try #require(WilcoxonSignedRank(differences: d)), b = try #require(WilcoxonSignedRank(differences: d.map { -$0 }))
        #expect(a.pValue == b.pValue && a.statistic == b.statistic && a.rPlus != b.rPlus)
        #expect(WilcoxonSignedRank(differences: []) == nil)
        #expect(WilcoxonSignedRank(differences: [0, 0, 0])?.pValue == 1)
    }

    @Test("n ≥ 5: Student-t 95 % interval; n < 5: the min–max range")
    func intervalRule() throws {
        let fixture = try StatsFixture.load()
        for c in fixture.intervals {
            let s = CellSpread(c.values)
            #expect(s.kind.rawValue == c.kind && s.count == c.values.count)
            #expect(abs(s.mean - c.mean) <= 1e-12 * abs(c.mean))
            let lower = try #require(s.lower), upper = try #require(s.upper)
            if c.kind == "range" {
                #expect(lower == c.lower && upper == c.upper)
            } else {
                // MeanCI's t quantile is a 3-decimal table to 30 degrees of freedom (≤ 2.5e-4 relative),
                // then z + 2.37/df (≤ 0.2 %): compare the half-widths at that precision.
                let half = (c.upper - c.lower) / 2, ours = (upper - lower) / 2
                #expect(abs(ours - half) <= (c.values.count <= 31 ? 3e-4 : 2e-3) * half, "n=\(c.values.count)")
            }
        }
        #expect(CellSpread([]).kind == .none && CellSpread([.nan, 2]).kind == .range)
    }
}
