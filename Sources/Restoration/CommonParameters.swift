import Blur
import Deconvolution
import Foundation
import ImageCore

/// Parameters several classical methods share, defined once.
enum Common {
    static let border = MethodParameter(
        "border", label: "Border", help: "reflect (mirror-pad, deconvolve, crop), taper (edgetaper), none (periodic), zero",
        kind: .choice(BorderHandling.allCases.map(\.rawValue)), default: .choice(BorderHandling.reflect.rawValue))

    /// Iterations are bounded so a typo cannot run for ever.
    static func iterations(default n: Int) -> MethodParameter {
        MethodParameter("iterations", label: "Iterations", help: "number of iterations", kind: .integer(1 ... 10_000), default: .integer(n))
    }

    static let stopTolerance = MethodParameter(
        "stop-tolerance", label: "Stop tolerance", help: "stop early once the relative change of the estimate falls below this",
        kind: .real(1e-12 ... 1), automatic: "run every iteration")

    static func border(_ values: ParameterValues) -> BorderHandling {
        values.text("border").flatMap(BorderHandling.init(rawValue:)) ?? .reflect
    }

    /// The PSF, or `RestorationError.needsPSF`.
    static func require(_ psf: PSF?, _ method: String) throws -> PSF {
        guard let psf else { throw RestorationError.needsPSF(method: method) }
        return psf
    }
}

/// The "do nothing" row: the blurred input itself, the score every method must beat.
public struct BlurredInput: RestorationMethod {
    public static let entry = MethodEntry(
        name: "blurred", label: "Blurred input", family: .input, needsPSF: false,
        help: "the blurred input itself (the score to beat)") { _ in BlurredInput() }

    public init() {}
    public var name: String { "blurred" }
    public var family: MethodFamily { .input }
    public var needsPSF: Bool { false }
    public var summary: String { "the blurred input itself (the score to beat)" }
    public func restore(_ blurred: Image, psf: PSF?) throws -> Image { blurred }
}
