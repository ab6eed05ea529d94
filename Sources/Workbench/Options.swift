import Datasets
import Foundation
import Metrics
@_exported import Restoration

/// Which PSF a row's method was given.
public enum PSFMode: String, Codable, Sendable, CaseIterable, Comparable {
    /// The true PSF from the data.
    case `true`
    /// The PSF estimated from the blurred image by the run's estimator.
    case estimated
    /// No PSF (the input row and learned methods).
    case none

    /// By name, as rows have always been sorted.
    public static func < (a: PSFMode, b: PSFMode) -> Bool { a.rawValue < b.rawValue }
}

/// Which PSF rows the classical methods get in a comparison.
public enum PSFRows: String, Sendable, CaseIterable {
    case `true`, estimated, both

    public var modes: [PSFMode] {
        switch self {
        case .true: return [.true]
        case .estimated: return [.estimated]
        case .both: return [.true, .estimated]
        }
    }
}

/// The outcome of one row.
public enum RowStatus: String, Codable, Sendable {
    /// Restored and scored.
    case ok
    /// Not run because something it needs is missing (no true PSF for real blur, no estimator).
    case unavailable
    /// The method or the PSF estimation threw; the note says why.
    case failed
}

/// Which metrics a run scores: all of them, or a list of ids.
public enum MetricSelection: Sendable, Equatable {
    case all
    case named([String])

    /// Parses `all` or a comma-separated list (aliases such as `ms-ssim` are accepted).
    public init(parsing text: String) {
        if text.trimmingCharacters(in: .whitespaces) == "all" { self = .all; return }
        self = .named(text.split(separator: ",").map { MetricRegistry.canonicalIdentifier($0.trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.isEmpty })
    }

    /// The metrics (ST-LPIPS loads its weights here).
    /// - Throws: `WorkbenchError.unknownMetric` for an unknown id or an empty list.
    public func resolve() throws -> [any Metric] {
        let ids: [String]
        switch self {
        case .all: ids = MetricRegistry.identifiers
        case let .named(list): ids = list
        }
        guard !ids.isEmpty else { throw WorkbenchError.unknownMetric("(empty list)", known: MetricRegistry.identifiers) }
        return try ids.map { id in
            guard MetricRegistry.identifiers.contains(id) else { throw WorkbenchError.unknownMetric(id, known: MetricRegistry.identifiers) }
            return try MetricRegistry.metric(id)
        }
    }
}

public enum WorkbenchError: LocalizedError, Equatable {
    case unknownMetric(String, known: [String])
    case badShard(String)
    case emptyDataset(root: String)
    case emptySplit(split: SplitChoice, root: String)
    case noCases(String)
    case unknownScenes([String], split: SplitChoice, known: [String])
    /// `--save-cases` on a case whose blurred image is read from disk, not degraded by the run.
    case caseNotSynthetic(String)
    case emptyShard(index: Int, count: Int, cases: Int)
    case sizeMismatch(blurred: String, blurredShape: String, sharp: String, sharpShape: String)
    case notAComparison(path: String)
    case nothingToMerge
    case storeCorrupt(path: String, line: Int)
    case incompatibleRun(String)
    case baselineRegression([String])
    case badBaseline(String)

    public var errorDescription: String? {
        switch self {
        case let .unknownMetric(name, known): return "unknown metric '\(name)'; choose from all, \(known.joined(separator: ", "))"
        case let .badShard(s): return "shard '\(s)' is not I/N with 1 ≤ I ≤ N (e.g. 2/4)"
        case let .emptyDataset(root): return "\(root) holds no images"
        case let .emptySplit(split, root): return "the \(split.rawValue) split of \(root) is empty"
        case let .noCases(root): return "no cases selected from \(root)"
        case let .unknownScenes(names, split, known):
            return "no scene \(names.joined(separator: ", ")) in the \(split.rawValue) split; its scenes are \(known.joined(separator: ", "))"
        case let .caseNotSynthetic(id):
            return "case \(id) is read from its dataset's own blurred image, so --save-cases has nothing to write; it is only for synthetic blur"
        case let .emptyShard(index, count, cases): return "shard \(index)/\(count) has no cases (\(cases) in all)"
        case let .sizeMismatch(blurred, blurredShape, sharp, sharpShape):
            return "\(blurred) is \(blurredShape) but its sharp image \(sharp) is \(sharpShape)"
        case let .notAComparison(path): return "\(path) is not a comparison folder (no run.json); pass folders written by `deblur compare`"
        case .nothingToMerge: return "merge needs at least one comparison folder"
        case let .storeCorrupt(path, line): return "\(path) line \(line) is not a result row; delete the line or the file to recompute it"
        case let .incompatibleRun(s): return s
        case let .baselineRegression(lines): return "worse than the baseline:\n  " + lines.joined(separator: "\n  ")
        case let .badBaseline(s): return s
        }
    }
}
