import Foundation

/// Errors of choosing, configuring and running a restoration method. Messages speak of methods,
/// parameters and values; the command line and the web app map them to their own words.
public enum RestorationError: LocalizedError, Equatable {
    case unknownMethod(String, known: [String])
    case unknownParameter(method: String, name: String, known: [String])
    case badParameter(method: String, name: String, value: String, reason: String)
    case needsPSF(method: String)
    case nonFinite(method: String, count: Int)
    case duplicateMethod(String)
    case unknownEstimator(String, known: [String])

    public var errorDescription: String? {
        switch self {
        case let .unknownMethod(name, known):
            return "unknown method '\(name)'; choose from \(known.joined(separator: ", "))"
        case let .unknownParameter(method, name, known):
            return known.isEmpty ? "\(method) takes no parameters (got '\(name)')"
                : "\(method) has no parameter '\(name)'; its parameters are \(known.joined(separator: ", "))"
        case let .badParameter(method, name, value, reason):
            return "\(method): \(name)=\(value) is refused: \(reason)"
        case let .needsPSF(method):
            return "\(method) needs a PSF and none is available for this image"
        case let .nonFinite(method, count):
            return "\(method) produced \(count) NaN or infinite values (the computation diverged); try a milder PSF, fewer iterations or another method"
        case let .duplicateMethod(name):
            return "a method named '\(name)' is registered already"
        case let .unknownEstimator(name, known):
            return "unknown PSF estimator '\(name)'; choose from \(known.joined(separator: ", "))"
        }
    }
}
