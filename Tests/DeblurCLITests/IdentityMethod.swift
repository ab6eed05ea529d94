import Blur
import ImageCore
import Restoration

/// A trivial method added from outside the libraries: this file plus one `MethodRegistry.register`
/// line is all it takes for it to appear in `deblur restore --help`, `deblur compare`,
/// `GET /api/methods` and the web form (the tests of `AddingAMethodTests` check each).
struct IdentityMethod: RestorationMethod {
    static let entry = MethodEntry(
        name: "identity", label: "Identity (test)", family: .classical, needsPSF: true,
        help: "returns its input unchanged (a test method)",
        parameters: [MethodParameter("gain", label: "Gain", help: "multiplies the output", kind: .real(0 ... 2), default: .real(1))]
    ) { IdentityMethod(gain: $0.real("gain") ?? 1) }

    let gain: Double
    var name: String { "identity" }
    var family: MethodFamily { .classical }
    var needsPSF: Bool { true }
    var summary: String { "identity × \(gain)" }

    func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        var out = blurred
        for i in out.pixels.indices { out.pixels[i] *= Float(gain) }
        return out
    }
}
