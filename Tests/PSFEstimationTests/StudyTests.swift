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
