import Foundation
import Models

/// The one list of restoration methods and PSF estimators. The command line (`restore`, `compare`,
/// `--help`), the comparison harness, the web app (`GET /api/methods`, the form) and the lessons all
/// read it, so a new method is one file with its `MethodEntry` plus one line in `builtIn` below (or,
/// for a method living elsewhere, such as a test target, one `MethodRegistry.register` call).
public enum MethodRegistry {
    /// Every built-in method, in report order: the input, classical, learned.
    static let builtIn: [MethodEntry] = [
        BlurredInput.entry,
        Wiener.entry,
        SpectralWiener.entry,
        Tikhonov.entry,
        RichardsonLucyMethod.plain,
        RichardsonLucyMethod.damped,
        RichardsonLucyMethod.totalVariation,
        RichardsonLucyMethod.accelerated,
        Landweber.entry,
        HyperLaplacianMethod.entry,
        TVADMMMethod.entry,
        PlugAndPlayMethod.entry,
        PlugAndPlayMethod.ownPriorEntry,
    ] + ModelRegistry.deblurringNames.map(LearnedRestoration.entry(network:))

    /// Every built-in PSF estimator; the first is the default of `--psf estimated` and the web app.
    static let builtInEstimators: [PSFEstimatorEntry] = [
        PSFEstimatorEntry.blind,
    ]

    private static let lock = NSLock()
    nonisolated(unsafe) private static var added: [MethodEntry] = []

    /// Adds a method (kept in the order of registration, after the built-in ones of its family).
    /// - Throws: `RestorationError.duplicateMethod` when the name is taken.
    public static func register(_ entry: MethodEntry) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !(builtIn + added).contains(where: { $0.name == entry.name }) else { throw RestorationError.duplicateMethod(entry.name) }
        added.append(entry)
    }

    /// All methods in report order: the input first, then classical, then learned methods.
    public static var entries: [MethodEntry] {
        lock.lock()
        defer { lock.unlock() }
        let all = builtIn + added
        let order: [MethodFamily] = [.input, .classical, .learned]
        return order.flatMap { family in all.filter { $0.family == family } }
    }

    public static var names: [String] { entries.map(\.name) }
    public static var classicalNames: [String] { entries.filter { $0.family == .classical }.map(\.name) }
    public static var learnedNames: [String] { entries.filter { $0.family == .learned }.map(\.name) }

    /// - Throws: `RestorationError.unknownMethod` listing the known names.
    public static func entry(_ name: String) throws -> MethodEntry {
        guard let e = entries.first(where: { $0.name == name }) else { throw RestorationError.unknownMethod(name, known: names) }
        return e
    }

    /// The methods named in `selection`, each with its defaults (learned ones load their shipped
    /// checkpoint, or `settings[name]["weights"]`); the input row is always included. Unknown names
    /// and missing weights fail here, before any work.
    public static func resolve(_ selection: MethodSelection, settings: [String: ParameterValues] = [:]) throws -> [any RestorationMethod] {
        let all = entries
        let chosen: [MethodEntry]
        switch selection {
        case .all: chosen = all
        case let .named(list):
            for n in list where !all.contains(where: { $0.name == n }) { throw RestorationError.unknownMethod(n, known: all.map(\.name)) }
            chosen = all.filter { $0.family == .input || list.contains($0.name) }
        }
        return try chosen.map { try $0.make(settings[$0.name] ?? ParameterValues()) }
    }

    // MARK: PSF estimators

    public static var estimators: [PSFEstimatorEntry] { builtInEstimators }

    public static var defaultEstimator: PSFEstimatorEntry { builtInEstimators[0] }

    public static func estimator(_ name: String) throws -> PSFEstimatorEntry {
        guard let e = estimators.first(where: { $0.name == name }) else {
            throw RestorationError.unknownEstimator(name, known: estimators.map(\.name))
        }
        return e
    }
}

/// Which methods a run uses: all of them, or a list of names (the input row is always added).
public enum MethodSelection: Sendable, Equatable {
    case all
    case named([String])

    /// Parses `all` or a comma-separated list.
    /// - Throws: `RestorationError.unknownMethod` for an empty list.
    public init(parsing text: String) throws {
        if text.trimmingCharacters(in: .whitespaces) == "all" { self = .all; return }
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw RestorationError.unknownMethod("(empty list)", known: MethodRegistry.names) }
        self = .named(names)
    }
}
