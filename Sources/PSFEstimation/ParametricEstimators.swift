import Foundation
import ImageCore

/// Result of a parametric estimator: the parameters of one family and how sure it is.
struct ParametricFit {
    var length: Double? = nil
    var angle: Double? = nil
    var radius: Double? = nil
    var sigma: Double? = nil
    var confidence: Double
}

/// Spectral analysis runs on the central square of at most this side (pixels).
let spectralAnalysisSide = 512
/// Smallest image side the parametric estimators accept.
let minimumParametricSide = 32
