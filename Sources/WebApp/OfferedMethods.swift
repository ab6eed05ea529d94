import Blur
import Foundation
import ImageCore
import Restoration

/// What the page and the API tell about one restoration method (from its registry entry).
public struct MethodInfo: Sendable, Codable, Equatable {
    /// The identifier used in `POST /api/restore`'s `methods` field (`wiener`, `rl-accel`, `unet`, …).
    /// Lower-case letters, digits and `-` only: it also becomes part of a result's file name.
    public var name: String
    /// A short human label for the page ("Wiener", "Richardson–Lucy").
    public var label: String
    /// True for learned models (they take no PSF).
    public var isLearned: Bool
    /// True when the method needs a PSF (classical deconvolution).
    public var needsPSF: Bool
    /// One line: the model and what the defaults are.
    public var help: String
    /// The method's parameters with their ranges and defaults (the page shows them; requests use the defaults).
    public var parameters: [MethodParameter]

    public init(_ entry: MethodEntry) {
        name = entry.name
        label = entry.label
        isLearned = entry.family == .learned
        needsPSF = entry.needsPSF
        help = entry.help
        parameters = entry.parameters
    }
}

/// The methods a running web app offers: registry methods configured with their defaults (learned
/// ones with their checkpoints loaded once at start-up), in registry order, and the PSF estimator
/// behind "estimate". Methods are called from worker threads, several at once.
public struct OfferedMethods: Sendable {
    public let infos: [MethodInfo]
    let methods: [String: any RestorationMethod]
    public let estimator: PSFEstimatorEntry?

    /// - Parameter methods: each entry with the method built from it.
    public init(_ methods: [(entry: MethodEntry, method: any RestorationMethod)], estimator: PSFEstimatorEntry?) {
        infos = methods.map { MethodInfo($0.entry) }
        self.methods = Dictionary(methods.map { ($0.entry.name, $0.method) }, uniquingKeysWith: { a, _ in a })
        self.estimator = estimator
    }

    /// Every registered method but the input, with its defaults, and the registry's default
    /// estimator. A method that cannot be built (a network without its checkpoint) is left out and
    /// `note` says why.
    public static func loadAll(note: (String) -> Void = { _ in }) -> OfferedMethods {
        var built: [(entry: MethodEntry, method: any RestorationMethod)] = []
        for entry in MethodRegistry.entries where entry.family != .input {
            do {
                built.append((entry, try entry.make()))
            } catch {
                note("\(entry.name) is not offered: \(error.localizedDescription)")
            }
        }
        return OfferedMethods(built, estimator: MethodRegistry.defaultEstimator)
    }

    public var canEstimatePSF: Bool { estimator != nil }

    /// Restores with the named method (`psf` is given whenever the method needs one).
    func restore(_ image: Image, method: String, psf: PSF?) throws -> Image {
        guard let m = methods[method] else { throw RestorationError.unknownMethod(method, known: infos.map(\.name)) }
        return try m.restore(image, psf: psf)
    }
}
