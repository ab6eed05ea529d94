import Blur
import Deconvolution
import Foundation
import ImageCore

/// Projected Landweber iteration (gradient descent on ‖y − h ∗ x‖² kept in [0, 1]).
public struct Landweber: RestorationMethod {
    public static let entry = MethodEntry(
        name: "landweber", label: "Landweber", family: .classical, needsPSF: true,
        help: "projected Landweber iteration",
        parameters: [
            Common.iterations(default: 100),
            MethodParameter("step", label: "Step τ", help: "step size, in (0, 2)", kind: .real(1e-6 ... 1.999999), default: .real(1)),
            Common.border,
        ]) { Landweber($0) }

    let values: ParameterValues
    init(_ values: ParameterValues) { self.values = values }

    public var name: String { "landweber" }
    public var family: MethodFamily { .classical }
    public var needsPSF: Bool { true }
    public var summary: String { Restoration.summary("projected Landweber, 100 iterations, τ = 1", values) }

    public func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        try landweber(blurred, psf: Common.require(psf, name), iterations: values.integer("iterations") ?? 100,
                      stepSize: values.real("step") ?? 1, border: Common.border(values))
    }
}
