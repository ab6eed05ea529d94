import Blur
import Deconvolution
import Foundation
import ImageCore

/// Tikhonov / constrained least squares with a Laplacian (gradient) penalty; λ by generalised
/// cross-validation unless given.
public struct Tikhonov: RestorationMethod {
    public static let entry = MethodEntry(
        name: "tikhonov", label: "Tikhonov (CLS)", family: .classical, needsPSF: true,
        help: "Tikhonov / constrained least squares, Laplacian penalty, λ by GCV unless given",
        parameters: [
            MethodParameter("lambda", label: "λ", help: "regularisation weight", kind: .real(0 ... 1e6),
                            automatic: "generalised cross-validation"),
            Common.border,
        ]) { Tikhonov($0) }

    let values: ParameterValues
    init(_ values: ParameterValues) { self.values = values }

    public var name: String { "tikhonov" }
    public var family: MethodFamily { .classical }
    public var needsPSF: Bool { true }
    public var summary: String { Restoration.summary("Tikhonov / CLS, Laplacian penalty, λ by GCV, reflect border", values) }

    public func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        try tikhonov(blurred, psf: Common.require(psf, name), lambda: values.real("lambda"), border: Common.border(values))
    }
}
