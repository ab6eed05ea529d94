import Foundation

/// Errors the NN module raises for input from outside the program (checkpoints, saved state).
public enum NNError: LocalizedError, Equatable {
    /// A parameter the model has is not in the checkpoint.
    case missingParameter(name: String, source: String)
    /// The checkpoint holds a tensor the model has no parameter for.
    case unexpectedParameter(name: String, source: String)
    /// A checkpoint tensor's shape differs from the parameter's.
    case parameterShape(name: String, expected: [Int], actual: [Int], source: String)
    /// Saved optimiser or scheduler state does not fit this optimiser (wrong kind or parameter list).
    case optimizerState(reason: String)

    public var errorDescription: String? {
        switch self {
        case let .missingParameter(name, source):
            return "'\(source)' has no tensor for parameter '\(name)'. The checkpoint was saved from another architecture; pick the matching model or weights file."
        case let .unexpectedParameter(name, source):
            return "'\(source)' holds '\(name)', which this model does not have. The checkpoint was saved from another architecture; pick the matching model or weights file."
        case let .parameterShape(name, expected, actual, source):
            return "'\(source)': parameter '\(name)' has shape \(actual) but the model needs \(expected). The checkpoint was saved with other hyper-parameters."
        case let .optimizerState(reason):
            return "Saved optimiser state does not fit: \(reason). Resume with the same model and optimiser, or start a fresh run."
        }
    }
}
