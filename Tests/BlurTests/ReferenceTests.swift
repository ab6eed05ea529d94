import Foundation
import ImageCore
import Testing
@testable import Blur

/// Tests/BlurTests/Fixtures/psf_reference.json, written by scripts/reference/make_psf_reference.py:
/// each entry names the tool, version and command that produced its weights.
struct PSFReference: Decodable {
    struct Entry: Decodable {
        let spec: String
        let tool: String
        let command: String
        let tolerance: Double
        let height: Int
        let width: Int
        let values: [Double]
    }
    let entries: [Entry]

    static let shared: PSFReference = {
        let url = fixtures.appendingPathComponent("psf_reference.json")
        // A missing or broken fixture is a repository error, not user input.
        return try! JSONDecoder().decode(PSFReference.self, from: Data(contentsOf: url))
    }()

    static func entry(_ spec: String) -> Entry {
        guard let e = shared.entries.first(where: { $0.spec == spec }) else {
            preconditionFailure("No reference entry for \(spec) in psf_reference.json")
        }
        return e
    }
}

@Suite("PSF weights against reference implementations")
struct PSFReferenceTests {
    @Test("motion kernels equal MATLAB fspecial('motion', len, theta) (NumPy transcription)", arguments: [
        "motion:15,30", "motion:15,120", "motion:9,0", "motion:9,90", "motion:7,45", "motion:12.5,77",
        "motion:20,160", "motion:5,179.5",
    ])
    func motion(spec: String) throws {
        try compare(spec)
    }

    @Test("motion:3,45 equals MATLAB's own published output (4 decimals)")
    func motionPublished() throws {
        let e = PSFReference.entry("motion:3,45")
        #expect(e.tool.hasPrefix("MATLAB"))
        try compare("motion:3,45")
    }

    @Test("fractional-radius disks equal MATLAB fspecial('disk', r) (NumPy transcription)",
          arguments: ["disk:1.5", "disk:2.5", "disk:4.3", "disk:7.9"])
    func fractionalDisk(spec: String) throws {
        try compare(spec)
    }

    @Test("Gaussians equal GNU Octave fspecial('gaussian', 2⌈3σ⌉+1, σ)", arguments: ["gaussian:0.8", "gaussian:2"])
    func gaussian(spec: String) throws {
        #expect(PSFReference.entry(spec).tool.contains("Octave"))
        try compare(spec)
    }

    func compare(_ spec: String) throws {
        let e = PSFReference.entry(spec)
        let psf = try PSF.parse(spec)
        #expect(psf.height == e.height && psf.width == e.width, "\(spec): \(psf.height)×\(psf.width) vs \(e.height)×\(e.width) (\(e.tool))")
        guard psf.height == e.height && psf.width == e.width else { return }
        let worst = zip(psf.weights.pixels, e.values).map { abs(Double($0) - $1) }.max()!
        #expect(worst <= e.tolerance, "\(spec): largest difference \(worst) from \(e.tool), \(e.command)")
    }

    @Test("spec strings round-trip exactly, also with many digits", arguments: [
        "gaussian:1.2345678", "disk:2.0000001", "motion:12.345,-33.3333", "motion:9,0", "shake:18446744073709551615", "shake:7,25.5",
    ])
    func exactRoundTrip(spec: String) throws {
        let psf = try PSF.parse(spec)
        let again = try PSF.parse(psf.spec)
        #expect(again == psf, "\(spec) → \(psf.spec)")
    }
}
