import Foundation
import Testing
import Reporting
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

@Suite("Report statistics wiring")
struct ReportStatisticsTests {
    static func row(_ image: String, _ blur: String, _ method: String, _ family: MethodFamily, _ psnr: Double) -> ResultRow {
        ResultRow(image: image, scene: image, blur: blur, psf: nil, method: method, family: family, psfMode: .true,
                  status: .ok, note: nil, seconds: 1, clipped: 0, metrics: ["psnr": psnr], estimatedPSF: nil)
    }

    /// 3 defocus and 6 motion images; "good" beats the classical "a" on all 9 by 1 + i/10 dB, "b" (classical, worse than a) loses.
    static func summary() -> Summary {
        var rows: [ResultRow] = []
        for i in 0 ..< 9 {
            let image = "img\(i)", blur = i < 3 ? "defocus" : "motion"
            rows += [row(image, blur, "a", .classical, 25 + Double(i)), row(image, blur, "b", .classical, 24 + Double(i) * 0.9),
                     row(image, blur, "good", .learned, 26 + Double(i) * 1.1)]
        }
        return Summary(rows: rows, methodOrder: ["a", "b", "good"], metricIDs: ["psnr"])
    }

    static let info = RunInfo(selection: CaseSelection(), dataset: "d", layout: "sharp", testScenes: [], caseCount: 9,
                              methods: [], metrics: [.init(id: "psnr", name: "PSNR", variant: "v", higherIsBetter: true)],
                              psfModes: [.true], psfEstimator: nil, versions: [:], gitCommit: "")

    @Test("cells of fewer than 5 images show the range, larger ones the t interval; the blur-kind table names n")
    func spreadAndCounts() {
        let s = Self.summary()
        #expect(s.spread(label: "a", metric: "psnr", blur: "defocus").kind == .range)
        #expect(s.spread(label: "a", metric: "psnr", blur: "motion").kind == .tInterval)
        #expect(ReportWriter.fmt(s.spread(label: "a", metric: "psnr", blur: "defocus"), digits: 2) == "26.00 (25.00–27.00)")
        let md = ReportWriter.markdown(s, info: Self.info)
        #expect(md.contains("defocus (n = 3)") && md.contains("motion (n = 6)"))
        // Motion: a = 28…33, mean 30.5, s = 1.8708, t(5) = 2.5706 → ± 1.96.
        #expect(md.contains("30.50 ± 1.96"))
    }

    @Test("the paired test compares every row with the best classical one: exact Wilcoxon p = 2/2⁹ when all 9 differences agree in sign")
    func pairedTest() throws {
        let s = Self.summary()
        #expect(s.bestClassical(metric: "psnr", higherIsBetter: true) == "a")
        let (reference, table) = try #require(ReportWriter.pairedTestTable(s, info: Self.info))
        #expect(reference == "a")
        let md = MarkdownWriter.document([.table(table)])
        #expect(md.contains("| good | 9 | +1.40 | 9/9 | 0.004 | **better** |"), "\(md)")
        #expect(md.contains("| b | 9 | -1.40 | 0/9 | 0.004 | worse |"), "\(md)")
    }
}
