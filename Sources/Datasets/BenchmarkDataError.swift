import Foundation

/// Bad MATLAB files and benchmark folders (`readMATFile`, `loadLevinDataset`), each saying what
/// is wrong and where.
public enum BenchmarkDataError: LocalizedError, Equatable {
    case matFile(path: String, reason: String)
    case matVariableMissing(path: String, name: String, available: [String])
    case dataset(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .matFile(path, reason):
            return "Could not read '\(path)' as a MATLAB v5 .mat file: \(reason)."
        case let .matVariableMissing(path, name, available):
            return "'\(path)' has no variable '\(name)' (it holds: \(available.isEmpty ? "nothing readable" : available.joined(separator: ", "))). Levin et al. files hold x (sharp), y (blurred) and f (kernel)."
        case let .dataset(path, reason):
            return "Could not use '\(path)' as a PSF-study data set: \(reason)."
        }
    }
}
