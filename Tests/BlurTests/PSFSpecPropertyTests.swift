import Foundation
import ImageCore
import PropertyBased
import Testing
@testable import Blur

/// Property tests of the PSF spec syntax, the one string users type for a blur everywhere
/// (each run draws new cases from a seeded generator; a failure is shrunk to its smallest spec
/// and prints the `.fixedSeed(…)` trait that replays it).
@Suite("PSF spec properties")
struct PSFSpecPropertyTests {
    /// spec → PSF → spec: every generated kernel's spec parses back to the same spec and the same weights.
    @Test("spec → PSF → spec round trip for every family")
    func roundTrip() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0 ... 4), Gen.double(in: 0.3 ... 40), Gen.double(in: -360 ... 360),
                            Gen.uint64()) { family, size, angle, seed in
            let psf: PSF
            do {
                switch family {
                case 0: psf = try PSF.gaussian(sigma: size)
                case 1: psf = try PSF.disk(radius: size)
                case 2: psf = try PSF.motion(length: max(1, size), angle: angle)
                case 3: psf = try PSF.shake(seed: seed)
                default: psf = try PSF.shake(seed: seed, length: size)
                }
            } catch {
                Issue.record("a valid kernel was refused: \(error)")
                return
            }
            let again = try PSF.parse(psf.spec)
            #expect(again.spec == psf.spec)
            #expect(again.weights == psf.weights, "\(psf.spec) does not rebuild the same weights")
        }
    }

    /// Strings over the spec alphabet: either a PSF whose own spec reproduces it, or a thrown error
    /// with a sentence (never a crash, never a kernel that its spec does not rebuild).
    @Test("arbitrary spec-like strings parse to a reproducible PSF or fail with a message")
    func arbitraryStrings() async {
        let alphabet = Array("gaussindkmotshe:,.-+0123456789e x")
        let prefixes = ["gaussian:", "disk:", "motion:", "shake:", ""]
        await propertyCheck(count: 400, input: Gen.element(of: prefixes).map { $0! }, Gen.element(of: alphabet).map { $0! }.array(of: 0 ... 12)) { prefix, tail in
            let spec = prefix + String(tail)
            do {
                let psf = try PSF.parse(spec)
                let again = try PSF.parse(psf.spec)
                #expect(again.weights == psf.weights, "'\(spec)' → '\(psf.spec)' does not rebuild the same kernel")
                #expect(abs(psf.weights.sum - 1) < 1e-5)
            } catch {
                #expect(!error.localizedDescription.isEmpty)
                #expect(!(error.localizedDescription.contains("Optional(")), "message leaks Swift syntax: \(error.localizedDescription)")
            }
        }
    }
}

/// Odd spec strings a tester found (issue #28): each refused with a sentence that names what was typed.
@Suite("PSF spec: odd input")
struct PSFSpecOddInputTests {
    func message(_ spec: String) -> String? {
        do { _ = try PSF.parse(spec); return nil } catch { return error.localizedDescription }
    }

    @Test("hexadecimal, infinite and not-a-number values are not numbers here", arguments: ["gaussian:0x10", "disk:0x1p3", "gaussian:inf", "motion:nan,3", "gaussian:1e", "gaussian:--2", "motion:5,1e+"])
    func notDecimal(spec: String) {
        let text = message(spec)
        #expect(text?.contains("is not a decimal number") == true, "\(spec): \(text ?? "accepted")")
    }

    @Test("decimal forms people type are read", arguments: [("gaussian:2", 2.0), ("gaussian:.5", 0.5), ("gaussian:1e1", 10.0), ("gaussian:+2.5", 2.5), ("gaussian:2.", 2.0)])
    func decimal(spec: String, sigma: Double) throws {
        #expect(try PSF.parse(spec).kind == .gaussian(sigma: sigma))
    }

    @Test("a Gaussian or disk below 0.1 px is refused as no blur", arguments: ["gaussian:1e-30", "disk:0.05", "gaussian:0"])
    func tooSmall(spec: String) {
        #expect(message(spec)?.contains("below 0.1 px") == true)
    }

    @Test("a shake length out of range is reported with the length as typed", arguments: [("shake:1,1e9", "shake:1,1000000000"), ("shake:1,-5", "shake:1,-5")])
    func shakeLength(spec: String, echoed: String) {
        let text = message(spec) ?? "accepted"
        #expect(text.contains("'\(echoed)'") && text.contains("(0, 200]"), "\(text)")
    }

    @Test("a device or a folder given as a kernel file is refused by name, with one full stop")
    func notARegularFile() {
        for path in ["/dev/zero", "/tmp"] {
            let text = message(path) ?? "accepted"
            #expect(text.contains("'\(path)'") && text.contains("not a regular file"), "\(text)")
            #expect(!text.contains(".."), "\(text)")
        }
    }
}
