import Blur
import Datasets
import Deconvolution
import Foundation
import ImageCore
import Models

/// Classical or learned.
public enum MethodFamily: String, Codable, Sendable { case input, classical, learned }

/// One way of restoring an image. Classical methods need a PSF (the true one from the data, or an
/// estimated one); learned methods do not. The pseudo-method `blurred` returns its input, so every
/// table has the "do nothing" row to beat.
public protocol RestorationMethod: Sendable {
    var name: String { get }
    var family: MethodFamily { get }
    var needsPSF: Bool { get }
    /// One line describing the method and its settings, for reports.
    var summary: String { get }
    /// What decides this method's output besides its input: a comparison re-runs a method's rows when
    /// it changed (a retrained checkpoint under the same file name, say). Default: the summary.
    var fingerprint: String { get }
    func restore(_ blurred: Image, psf: PSF?) throws -> Image
}

extension RestorationMethod {
    public var fingerprint: String { summary }
}

/// The classical methods by their command-line names, with the defaults `deblur restore` uses.
public enum ClassicalMethod: String, CaseIterable, Sendable {
    case wiener, tikhonov, rl, rlDamped = "rl-damped", rlTV = "rl-tv", rlAccel = "rl-accel", landweber

    public func restore(_ blurred: Image, psf: PSF, nsr: Double? = nil, lambda: Double? = nil, iterations: Int? = nil,
                        damping: Double? = nil, tvWeight: Double = 0.002, step: Double = 1,
                        border: BorderHandling = .reflect, stopTolerance: Double? = nil) throws -> Image {
        let n = iterations ?? 30
        switch self {
        case .wiener: return try Deconvolution.wiener(blurred, psf: psf, noiseToSignal: nsr, border: border)
        case .tikhonov: return try Deconvolution.tikhonov(blurred, psf: psf, lambda: lambda, border: border)
        case .rl: return try richardsonLucy(blurred, psf: psf, iterations: n, stopTolerance: stopTolerance, border: border)
        case .rlDamped:
            let threshold = damping ?? max(3 * estimateNoiseSigma(blurred), 1e-3)
            return try richardsonLucy(blurred, psf: psf, iterations: n, variant: .damped(threshold: threshold), stopTolerance: stopTolerance, border: border)
        case .rlTV: return try richardsonLucy(blurred, psf: psf, iterations: n, variant: .totalVariation(weight: tvWeight), stopTolerance: stopTolerance, border: border)
        case .rlAccel:
            // Biggs–Andrews converges about 3× faster, so 10 accelerated iterations ≈ 30 plain ones;
            // 30 accelerated iterations already amplify noise (−4 dB on the built-in test split).
            return try richardsonLucy(blurred, psf: psf, iterations: iterations ?? 10, variant: .accelerated, stopTolerance: stopTolerance, border: border)
        case .landweber: return try Deconvolution.landweber(blurred, psf: psf, iterations: iterations ?? 100, stepSize: step, border: border)
        }
    }

    public var summary: String {
        switch self {
        case .wiener: return "Wiener filter, NSR estimated (σ̂ + 0.01), reflect border"
        case .tikhonov: return "Tikhonov / CLS, Laplacian penalty, λ by GCV, reflect border"
        case .rl: return "Richardson–Lucy, 30 iterations, reflect border"
        case .rlDamped: return "damped RL (deconvlucy DAMPAR = 3σ̂), 30 iterations"
        case .rlTV: return "RL with total variation (λ = 0.002), 30 iterations"
        case .rlAccel: return "Biggs–Andrews accelerated RL, 10 iterations (≈ 30 plain)"
        case .landweber: return "projected Landweber, 100 iterations, τ = 1"
        }
    }
}

/// A classical method with its defaults.
public struct ClassicalRestoration: RestorationMethod {
    public let method: ClassicalMethod
    public init(_ method: ClassicalMethod) { self.method = method }
    public var name: String { method.rawValue }
    public var family: MethodFamily { .classical }
    public var needsPSF: Bool { true }
    public var summary: String { method.summary }
    public func restore(_ blurred: Image, psf: PSF?) throws -> Image {
        guard let psf else { throw WorkbenchError.needsPSF(method: name) }
        return try method.restore(blurred, psf: psf)
    }
}

/// A trained network, loaded once and run at full resolution (tiled for large images).
public struct LearnedRestoration: RestorationMethod, @unchecked Sendable {
    // Inference only reads the weights; concurrent calls are safe.
    public let network: any DeblurNetwork
    public let name: String
    public let weights: String
    public let tiling: TilingOptions

    /// The summary and the SHA-256 of the weights file.
    public let fingerprint: String

    public init(name: String, network: any DeblurNetwork, weights: String, tiling: TilingOptions = TilingOptions()) {
        self.name = name
        self.network = network
        self.weights = weights
        self.tiling = tiling
        let summary = "\(network.architecture) (\(network.parameterCount) parameters), weights \(URL(fileURLWithPath: weights).lastPathComponent), full resolution"
        fingerprint = summary + ", sha256 " + ((try? SHA256.hex(fileAt: weights)) ?? "unreadable")
    }

    public var family: MethodFamily { .learned }
    public var needsPSF: Bool { false }
    public var summary: String { "\(network.architecture) (\(network.parameterCount) parameters), weights \(URL(fileURLWithPath: weights).lastPathComponent), full resolution" }
    public func restore(_ blurred: Image, psf: PSF?) throws -> Image { try Models.restore(blurred, with: network, tiling: tiling) }
}

/// The "do nothing" row.
public struct BlurredInput: RestorationMethod {
    public init() {}
    public var name: String { "blurred" }
    public var family: MethodFamily { .input }
    public var needsPSF: Bool { false }
    public var summary: String { "the blurred input itself (the score to beat)" }
    public func restore(_ blurred: Image, psf: PSF?) throws -> Image { blurred }
}

/// Every method of the workbench by name.
public enum MethodRegistry {
    public static var classicalNames: [String] { ClassicalMethod.allCases.map(\.rawValue) }
    public static var learnedNames: [String] { ModelRegistry.names }
    /// All names in report order: the input, classical, learned.
    public static var names: [String] { ["blurred"] + classicalNames + learnedNames }

    /// Resolves `all` or a comma-separated list into methods; learned methods load their shipped
    /// weights (or `weights[name]`). Unknown names and missing weights fail here, before any work.
    public static func resolve(_ list: String, weights: [String: String] = [:]) throws -> [any RestorationMethod] {
        let requested: [String]
        if list == "all" { requested = names } else {
            requested = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        guard !requested.isEmpty else { throw WorkbenchError.unknownMethod("(empty list)", known: names) }
        var out: [any RestorationMethod] = []
        if !requested.contains("blurred") { out.append(BlurredInput()) }
        for name in requested {
            if name == "blurred" { out.append(BlurredInput()) } else if let c = ClassicalMethod(rawValue: name) {
                out.append(ClassicalRestoration(c))
            } else if ModelRegistry.names.contains(name) {
                let (network, _, url) = try Checkpoint.loadShipped(name, weights: weights[name])
                out.append(LearnedRestoration(name: name, network: network, weights: url.path))
            } else {
                throw WorkbenchError.unknownMethod(name, known: names)
            }
        }
        // Keep registry order regardless of how the list was typed.
        return out.sorted { (names.firstIndex(of: $0.name) ?? 99) < (names.firstIndex(of: $1.name) ?? 99) }
    }
}

public enum WorkbenchError: LocalizedError, Equatable {
    case unknownMethod(String, known: [String])
    case unknownMetric(String, known: [String])
    case needsPSF(method: String)
    case badShard(String)
    case emptySelection(String)
    case storeCorrupt(path: String, line: Int)
    case incompatibleRun(String)
    case baselineRegression([String])
    case badBaseline(String)

    public var errorDescription: String? {
        switch self {
        case let .unknownMethod(name, known): return "unknown method '\(name)'; choose from all, \(known.joined(separator: ", "))"
        case let .unknownMetric(name, known): return "unknown metric '\(name)'; choose from all, \(known.joined(separator: ", "))"
        case let .needsPSF(method): return "\(method) needs a PSF and none is available for this image"
        case let .badShard(s): return "--shard must be I/N with 1 ≤ I ≤ N (got '\(s)')"
        case let .emptySelection(s): return s
        case let .storeCorrupt(path, line): return "\(path) line \(line) is not a result row; delete the line or the file to recompute it"
        case let .incompatibleRun(s): return s
        case let .baselineRegression(lines): return "worse than the baseline:\n  " + lines.joined(separator: "\n  ")
        case let .badBaseline(s): return s
        }
    }
}
