import Foundation

/// The constants and window of SSIM as defined by Wang, Bovik, Sheikh & Simoncelli (2004), shared by
/// the SSIM and MS-SSIM metrics and by the NN module's SSIM training loss, so that every SSIM in the
/// workbench is the same function.
///
/// SSIM(x, y) = [(2 μx μy + C1)(2 σxy + C2)] / [(μx² + μy² + C1)(σx² + σy² + C2)],
/// C1 = (K1 R)², C2 = (K2 R)², local statistics weighted by a normalised Gaussian window.
///
/// [1] Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment: from error
///     visibility to structural similarity", IEEE TIP 13(4), 2004.
public enum SSIMConstants {
    /// Side of the Gaussian window (11, as in [1] and scikit-image with sigma=1.5, truncate=3.5).
    public static let windowSize = 11
    /// Standard deviation of the Gaussian window in pixels.
    public static let sigma = 1.5
    /// Luminance stabiliser factor: C1 = (K1 · R)².
    public static let k1 = 0.01
    /// Contrast stabiliser factor: C2 = (K2 · R)².
    public static let k2 = 0.03
    /// Side of scikit-image's default uniform window (used with sample covariance).
    public static let uniformWindowSize = 7

    /// C1 = (K1 · dataRange)².
    public static func c1(dataRange: Double) -> Double { (k1 * dataRange) * (k1 * dataRange) }
    /// C2 = (K2 · dataRange)².
    public static func c2(dataRange: Double) -> Double { (k2 * dataRange) * (k2 * dataRange) }

    /// Normalised 1-D Gaussian taps g[i] ∝ exp(−t²/(2σ²)), t = i − (size−1)/2, summing to 1.
    /// The 2-D window is the outer product g ⊗ g (this is exactly scikit-image's / SciPy's
    /// `gaussian_filter(sigma=1.5, truncate=3.5)` kernel and TensorFlow's `_fspecial_gauss(11, 1.5)`).
    /// - Precondition: `size` odd and positive, `sigma` positive.
    public static func gaussianWindow(size: Int = windowSize, sigma: Double = sigma) -> [Double] {
        precondition(size > 0 && size % 2 == 1, "Gaussian window size must be odd and positive, got \(size)")
        precondition(sigma > 0, "Gaussian sigma must be positive, got \(sigma)")
        let centre = Double(size - 1) / 2
        let raw = (0 ..< size).map { i -> Double in
            let t = Double(i) - centre
            return exp(-t * t / (2 * sigma * sigma))
        }
        let total = raw.reduce(0, +)
        return raw.map { $0 / total }
    }

    /// The 2-D window g ⊗ g, row-major `size × size`, summing to 1.
    public static func gaussianWindow2D(size: Int = windowSize, sigma: Double = sigma) -> [Double] {
        let g = gaussianWindow(size: size, sigma: sigma)
        return g.flatMap { a in g.map { a * $0 } }
    }
}

/// Which local window SSIM uses.
public enum SSIMWindow: String, Sendable, CaseIterable, Codable {
    /// 11×11 Gaussian, σ = 1.5, population covariance (Wang 2004; scikit-image
    /// `gaussian_weights=True, sigma=1.5, use_sample_covariance=False`). The default.
    case gaussian
    /// 7×7 uniform window with sample covariance (N/(N−1)): scikit-image's default
    /// `structural_similarity(data_range=…)`, for comparability with papers that used it.
    case uniform7

    /// 1-D taps (the 2-D window is their outer product).
    var taps: [Double] {
        switch self {
        case .gaussian: return SSIMConstants.gaussianWindow()
        case .uniform7: return [Double](repeating: 1.0 / 7, count: SSIMConstants.uniformWindowSize)
        }
    }

    /// Covariance normalisation: 1 (population) or N/(N−1) with N = 49 (sample).
    var covarianceNorm: Double {
        switch self {
        case .gaussian: return 1
        case .uniform7: return 49.0 / 48.0
        }
    }

    var size: Int { self == .gaussian ? SSIMConstants.windowSize : SSIMConstants.uniformWindowSize }
}
