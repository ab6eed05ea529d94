import Blur
import ImageCore

/// What the page and the API need to know about one restoration method.
public struct MethodInfo: Sendable, Codable, Equatable {
    /// The identifier used in `POST /api/restore`'s `methods` field (`wiener`, `rl-accel`, `unet`, …).
    /// Lower-case letters, digits and `-` only: it also becomes part of a result's file name.
    public var name: String
    /// A short human label for the page ("Wiener", "Richardson–Lucy (accelerated)").
    public var label: String
    /// True for learned models (they take no PSF).
    public var isLearned: Bool
    /// True when the method needs a PSF (classical deconvolution).
    public var needsPSF: Bool

    public init(name: String, label: String, isLearned: Bool, needsPSF: Bool) {
        self.name = name
        self.label = label
        self.isLearned = isLearned
        self.needsPSF = needsPSF
    }
}

/// The restoration methods the web app offers. The app knows nothing about how they work; the
/// command-line tool hands it an implementation (today the classical methods, later the workbench's
/// method registry with the learned models).
///
/// Implementations are called from worker threads, several at once, and must be thread-safe.
public protocol Restorer: Sendable {
    /// The methods, in the order the page lists them.
    var methods: [MethodInfo] { get }
    /// True when `estimatePSF` can return a kernel (the page then offers "estimate").
    var canEstimatePSF: Bool { get }
    /// Restores `image` with the named method. `psf` is non-nil whenever the method's `needsPSF` is true.
    /// The result may hold values outside [0, 1]; the app clips them for the PNG and reports how many.
    /// - Throws: a `LocalizedError` whose message is shown to the user (it must not contain paths).
    func restore(_ image: Image, method: String, psf: PSF?) throws -> Image
    /// Estimates the blur kernel from the blurred image, or returns nil when estimation is not available.
    func estimatePSF(_ image: Image) throws -> PSF?
}
