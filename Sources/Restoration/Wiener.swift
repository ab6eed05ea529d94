import Blur
import Deconvolution
import Foundation
import ImageCore

/// Wiener filter with a scalar noise-to-signal ratio (`Deconvolution.wiener`); the NSR is estimated
/// from the image (robust noise σ̂ plus 0.01) unless given.
public struct Wiener: RestorationMethod {
    public static let entry = MethodEntry(
        name: "wiener", label: "Wiener", family: .classical, needsPSF: true,
        help: "Wiener filter, NSR estimated from the image unless given",
        parameters: [
            MethodParameter("nsr", label: "Noise-to-signal ratio", help: "regularising noise-to-signal ratio",
                            kind: .real(0 ... 1e6), automatic: "estimated from the image (σ̂ + 0.01)"),
            Common.border,
        ]) { Wiener($0) }

    let values: ParameterValues
    init(_ values: ParameterValues) { self.values = values }

    public var name: String { "wiener" }
    public var family: MethodFamily { .classical }
    public var needsPSF: Bool { true }
    public var summary: String { Restoration.summary("Wiener filter, NSR estimated (σ̂ + 0.01), reflect border", values) }

    public func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        try wiener(blurred, psf: Common.require(psf, name), noiseToSignal: values.real("nsr"), border: Common.border(values))
    }
}

/// The textbook Wiener filter: NSR(f) = σ̂² / Ŝ(f), with Ŝ a power law fitted to the blurred image's own
/// spectrum (`Deconvolution.wienerSpectral`).
public struct SpectralWiener: RestorationMethod {
    public static let entry = MethodEntry(
        name: "wiener-spectral", label: "Wiener (spectral prior)", family: .classical, needsPSF: true,
        help: "Wiener filter with NSR(f) = σ̂²/Ŝ(f), Ŝ = A|f|^−α fitted to the image's own spectrum",
        parameters: [
            MethodParameter("scale", label: "NSR scale", help: "factor on the fitted noise-to-signal ratio (1: the model's Wiener filter)",
                            kind: .real(1e-3 ... 1e3), default: .real(1)),
            Common.border,
        ]) { SpectralWiener($0) }

    let values: ParameterValues
    init(_ values: ParameterValues) { self.values = values }

    public var name: String { "wiener-spectral" }
    public var family: MethodFamily { .classical }
    public var needsPSF: Bool { true }
    public var summary: String { Restoration.summary("Wiener filter, NSR(f) = σ̂²/A|f|^−α fitted to the image, reflect border", values) }

    public func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        try wienerSpectral(blurred, psf: Common.require(psf, name), scale: values.real("scale") ?? 1, border: Common.border(values))
    }
}
