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
