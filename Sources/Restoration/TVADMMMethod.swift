import Blur
import Deconvolution
import Foundation
import ImageCore

/// Isotropic total-variation deconvolution by ADMM with FFT solves (`Deconvolution.tvADMM`):
/// the exact minimiser of λ/2‖h ∗ x − y‖² + TV(x), boundary-adjusted borders.
public struct TVADMMMethod: RestorationMethod {
    public static let entry = MethodEntry(
        name: "tv-admm", label: "TV (ADMM)", family: .classical, needsPSF: true,
        help: "isotropic total-variation deconvolution solved exactly by ADMM with FFT x-steps (FTVd's model)",
        parameters: [
            MethodParameter("lambda", label: "Data weight λ", help: "weight of the data term",
                            kind: .real(1e-3 ... 1e9), automatic: "0.1 / σ̂² with σ̂ the estimated noise level (calibrated on the training split)"),
            MethodParameter("kappa", label: "Noise rule κ", help: "κ of the automatic λ = κ/σ̂² (ignored when λ is given)",
                            kind: .real(1e-4 ... 1e3), default: .real(TVADMMOptions().kappa)),
            MethodParameter("iterations", label: "Iterations", help: "most ADMM iterations per channel (stops earlier at relative residuals 1e-3)",
                            kind: .integer(1 ... 10_000), default: .integer(60)),
        ]) { TVADMMMethod($0) }

    let values: ParameterValues
    init(_ values: ParameterValues) { self.values = values }

    public var name: String { "tv-admm" }
    public var family: MethodFamily { .classical }
    public var needsPSF: Bool { true }
    public var summary: String {
        Restoration.summary("isotropic TV by ADMM, λ = 0.1/σ̂², ≤ \(values.integer("iterations") ?? 60) iterations, boundary adjustment", values)
    }

    public func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        var o = TVADMMOptions()
        o.lambda = values.real("lambda")
        o.kappa = values.real("kappa") ?? o.kappa
        o.iterations = values.integer("iterations") ?? o.iterations
        return try tvADMM(blurred, psf: Common.require(psf, name), options: o)
    }
}
