import Blur
import Foundation
import ImageCore
import PSFEstimation

/// Estimates a PSF from a blurred image.
public typealias PSFEstimator = @Sendable (_ blurred: Image) throws -> PSF

/// A registered PSF estimator: what `--psf estimated` rows and the web app's "estimate" use.
public struct PSFEstimatorEntry: Sendable {
    public let name: String
    /// Its identity in comparison run files: a change of description re-scores estimated rows.
    public let description: String
    public let estimate: PSFEstimator

    public init(name: String, description: String, estimate: @escaping PSFEstimator) {
        self.name = name
        self.description = description
        self.estimate = estimate
    }

    /// Blind multi-scale kernel estimation with an L0 gradient prior at four contrast gains and three
    /// refining alternations at the finest scale, 31×31 kernel, seed 0: it assumes no blur family,
    /// so estimated rows are truly blind.
    public static let blind = PSFEstimatorEntry(
        name: "blind",
        description: "blind kernel estimation (PSFEstimation, multi-scale L0 gradient prior, contrast gains 1–2√2, 3 final-scale refinements, 31×31, seed 0)"
    ) { blurred in try estimatePSF(blurred, model: .blind, kernelSize: 31, seed: 0).psf.markedAsEstimate }
}
