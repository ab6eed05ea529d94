import Foundation
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
}
