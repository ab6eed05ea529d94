import Blur
import Deconvolution
import Foundation
import ImageCore

/// Hyper-Laplacian deconvolution (Krishnan & Fergus 2009): half-quadratic splitting with a
/// |∇x|^α gradient prior, β continuation, boundary-adjusted borders (`Deconvolution.hyperLaplacian`).
public struct HyperLaplacianMethod: RestorationMethod {
    public static let entry = MethodEntry(
        name: "hyper-laplacian", label: "Hyper-Laplacian", family: .classical, needsPSF: true,
        help: "Krishnan–Fergus hyper-Laplacian prior |∇x|^α by half-quadratic splitting, α = 2/3, β from 1 to 256",
        parameters: [
            MethodParameter("alpha", label: "Exponent α", help: "gradient prior exponent (2/3 natural images, 1 TV-like, 2 Gaussian)",
                            kind: .real(0.05 ... 2), default: .real(2.0 / 3)),
            MethodParameter("lambda", label: "Data weight λ", help: "weight of the data term",
                            kind: .real(1e-3 ... 1e9), automatic: "0.2 / σ̂² with σ̂ the estimated noise level (λ = 2000 at 1 % noise, the paper's setting)"),
        ]) { HyperLaplacianMethod($0) }

    let values: ParameterValues
    init(_ values: ParameterValues) { self.values = values }

    public var name: String { "hyper-laplacian" }
    public var family: MethodFamily { .classical }
    public var needsPSF: Bool { true }
    public var summary: String {
        Restoration.summary("hyper-Laplacian prior (Krishnan–Fergus), α = 2/3, λ = 0.2/σ̂², β 1 → 256 ×2√2, boundary adjustment", values)
    }

    public func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        var o = HyperLaplacianOptions()
        o.alpha = values.real("alpha") ?? o.alpha
        o.lambda = values.real("lambda")
        return try hyperLaplacian(blurred, psf: Common.require(psf, name), options: o)
    }
}
