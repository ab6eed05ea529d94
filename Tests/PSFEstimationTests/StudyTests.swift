import Blur
import Foundation
import ImageCore
import Testing
@testable import PSFEstimation

@Suite struct StudyTests {
    @Test func sweepCoversTheIssueRangesAndLimitCaps() throws {
        var options = PSFStudyOptions()
        let cases = try syntheticStudyCases(imageNames: ["a", "b"], options: options)
        let motion = cases.filter { $0.group == "main" && $0.family == "motion" }
        #expect(motion.count == 84)
        let lengths = motion.compactMap { $0.psf.kind.parameters["length"] }
        #expect(lengths.min()! >= 5 && lengths.max()! <= 35)
        let radii = cases.filter { $0.family == "defocus" && $0.group == "main" }.compactMap { $0.psf.kind.parameters["radius"] }
        #expect(radii.min()! >= 2 && radii.max()! <= 12)
        #expect(Set(cases.filter { $0.group == "noise" }.map(\.noise)) == [0, 0.005, 0.01, 0.02])
        #expect(Set(cases.map(\.image)) == ["a", "b"])
        options.limit = 3
        let limited = try syntheticStudyCases(imageNames: ["a"], options: options)
        #expect(limited.count == 3 * 8)   // 4 families × 2 groups
    }

    @Test func csvQuotesSpecsWithCommas() {
        var row = PSFStudyRow(id: "m", group: "main", family: "motion", model: "motion", image: "a", trueSpec: "motion:15,30",
                              noise: 0.01, kernelSide: 15)
        row.trueLength = 15
        row.trueAngle = 30
        row.length = 15.5
        row.angle = 31
        let csv = studyCSV([row])
        let line = csv.split(separator: "\n")[1]
        #expect(line.contains("\"motion:15,30\""))
        #expect(row.success)
        row.angle = 177   // 33° away modulo 180
        #expect(!row.success)
        #expect(row.angleError == -33)
    }
}

@Suite struct StudyRunTests {
    @Test func selectionKeepsFamiliesAndImagesAndNamesUnknownImages() throws {
        var request = PSFStudyRequest()
        request.options.quick = true
        request.families = ["defocus"]
        request.images = ["b"]
        let cases = try selectedCases(request, imageNames: ["a", "b"])
        #expect(!cases.isEmpty && cases.allSatisfy { $0.family == "defocus" && $0.image == "b" })
        // The sweep is built over both images first, so a kept case keeps its id and seed.
        let all = try syntheticStudyCases(imageNames: ["a", "b"], options: request.options)
        #expect(cases.map(\.id) == all.filter { $0.family == "defocus" && $0.image == "b" }.map(\.id))
        request.images = ["b", "zebra"]
        #expect(throws: PSFEstimationError.unknownImages(["zebra"], data: "builtin", available: ["a", "b"])) {
            try selectedCases(request, imageNames: ["a", "b"])
        }
    }

    @Test func reportEscapesTextAndMarksSuccessRates() throws {
        var row = PSFStudyRow(id: "main-000", group: "main", family: "defocus", model: "defocus", image: "a<b", trueSpec: "disk:3",
                              noise: 0.01, kernelSide: 7)
        row.trueRadius = 3
        row.failure = "no \"edge\" found"
        let provenance = PSFStudyProvenance(title: "T & U", data: "d", command: "c", side: 64, seed: 1, totalSeconds: 2, threads: 1)
        let html = try studyHTML(rows: [row], summary: summarize([row]), provenance: provenance)
        #expect(html.contains("<title>T &amp; U</title>") && html.contains("<h1>T &amp; U</h1>"))
        #expect(html.contains("<td class=\"bad\">0%</td>"))
        #expect(html.contains("<td>a&lt;b</td><td>disk:3</td>"))
        #expect(html.contains("failed: no &quot;edge&quot; found"))
        #expect(!html.contains("a<b"))
    }

    @Test("the success table gives the shares within error ratio 1.5, 2 and 3; a failed case counts as a miss")
    func successTableHasTheThreeErrorRatioShares() throws {
        let rows = [1.2, 1.8, 2.5, nil].enumerated().map { i, ratio in
            var row = PSFStudyRow(id: "main-\(i)", group: "main", family: "shake", model: "blind", image: "p\(i)",
                                  trueSpec: "shake:\(i)", noise: 0.01, kernelSide: 15)
            row.errorRatio = ratio
            if ratio == nil { row.failure = "no kernel" }
            return row
        }
        let summary = try #require(summarize(rows).first)
        #expect(summary.errorRatioRate(atMost: 1.5) == 0.25 && summary.errorRatioRate(atMost: 2) == 0.5)
        #expect(summary.errorRatioRate(atMost: 3) == 0.75 && summary.errorRatioRate(atMost: 2.05) == nil)
        let provenance = PSFStudyProvenance(title: "T", data: "d", command: "c", side: 64, seed: 1, totalSeconds: 2, threads: 1)
        let html = try studyHTML(rows: rows, summary: [summary], provenance: provenance)
        #expect(html.contains("<th>error ratio ≤ 1.5</th><th>≤ 2</th><th>≤ 3</th>"))
        #expect(html.contains("<td>25%</td><td>50%</td><td>75%</td>"))
    }

    @Test func theLevinLikeCheckHasTheBenchmarksShapeAndKernelSides() throws {
        let cases = try levinLikeCases(imageNames: ["p", "q", "r", "s"], noise: 0.01, seed: 0)
        #expect(cases.count == 32 && Set(cases.map(\.id)).count == 32)
        #expect(cases.allSatisfy { $0.group == "levin-like" && $0.family == "shake" && $0.model == .blind && $0.wholeScene && $0.noise == 0.01 })
        // One kernel per side of Levin et al.'s eight: 19, 17, 15, 27, 13, 21, 23, 23 px.
        #expect(cases.prefix(8).map(\.psf.width) == [19, 17, 15, 27, 13, 21, 23, 23])
        #expect(cases.prefix(8).map(\.psf.spec) == levinLikeKernels)
        // A whole scene: a 1,000 × 700 photograph is halved (short side 350 ≥ 281, not 3×).
        let photo = Image(channels: 3, height: 700, width: 1000, value: 0.5)
        let source = try levinLikeSource(photo)
        #expect(source.width == 500 && source.height == 350 && source.channels == 1)
    }

    @Test func theReportDrawsTheWorstBlindKernels() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("psf-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var outcomes: [PSFStudyOutcome] = []
        for (i, ratio) in [1.2, 4.5, 2.5].enumerated() {
            var row = PSFStudyRow(id: "main-\(i)", group: "main", family: "shake", model: "blind", image: "a", trueSpec: "shake:\(i)",
                                  noise: 0.01, kernelSide: 9)
            row.errorRatio = ratio
            row.ncc = 0.5
            outcomes.append(PSFStudyOutcome(row: row, truePSF: try PSF.shake(seed: UInt64(i), length: 8), estimatedPSF: try PSF.motion(length: 5, angle: 0)))
        }
        let provenance = PSFStudyProvenance(title: "t", data: "d", command: "c", side: 64, seed: 0, totalSeconds: 1, threads: 1,
                                            notes: ["Kernels: rotated."])
        try writePSFStudyReport(rows: outcomes.map(\.row), provenance: provenance, to: folder, outcomes: outcomes)
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("The worst blind cases") && html.contains("Kernels: rotated."))
        // Worst first: main-1 (4.5), main-2 (2.5), main-0 (1.2); each drawn twice, embedded.
        let order = ["main-1 ·", "main-2 ·", "main-0 ·"].map { html.range(of: $0)!.lowerBound }
        #expect(order == order.sorted())
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("kernels/main-1-estimated.png").path))
        #expect(html.components(separatedBy: "data:image/png;base64,").count - 1 == 6)
        // The published anchors are drawn beside a blind group's curve.
        #expect(html.contains("Pan et al. 2014 (L0), Levin data"))
    }
}
