import Foundation

/// Mean with a 95% confidence interval from Student's t distribution (two-sided, n − 1 degrees of
/// freedom); the half-width is nil for fewer than two values.
public struct MeanCI: Sendable, Equatable, Codable {
    public let mean: Double
    public let halfWidth: Double?
    public let count: Int

    public init(_ values: [Double]) {
        let v = values.filter(\.isFinite)
        count = v.count
        guard !v.isEmpty else { mean = .nan; halfWidth = nil; return }
        let m = v.reduce(0, +) / Double(v.count)
        mean = m
        guard v.count > 1 else { halfWidth = nil; return }
        let variance = v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
        halfWidth = Self.t975(v.count - 1) * (variance / Double(v.count)).squareRoot()
    }

    /// t quantile 0.975 for `df` degrees of freedom (table to 30, then the normal approximation
    /// with a first-order correction; within 0.2% of the exact value).
    static func t975(_ df: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df >= 1 && df <= 30 { return table[df - 1] }
        return 1.95996 + 2.37227 / Double(df)
    }
}

/// Summaries of a set of rows.
public struct Summary: Sendable {
    public let rows: [ResultRow]
    /// Row labels in report order (the input first, then classical, then learned).
    public let labels: [String]
    public let blurKinds: [String]
    public let metricIDs: [String]

    public init(rows: [ResultRow], methodOrder: [String], metricIDs: [String]) {
        self.rows = rows
        self.metricIDs = metricIDs
        var seen: [String: (Int, Int)] = [:]
        for r in rows {
            let order = (methodOrder.firstIndex(of: r.method) ?? 99, r.psfMode == .estimated ? 1 : 0)
            seen[r.label] = order
        }
        labels = seen.keys.sorted { seen[$0]! < seen[$1]! || (seen[$0]! == seen[$1]! && $0 < $1) }
        blurKinds = Array(Set(rows.map(\.blur))).sorted()
    }

    public func okRows(label: String, blur: String? = nil) -> [ResultRow] {
        rows.filter { $0.label == label && $0.status == .ok && (blur == nil || $0.blur == blur) }
    }

    public func stat(label: String, metric: String, blur: String? = nil) -> MeanCI {
        MeanCI(okRows(label: label, blur: blur).compactMap { $0.metrics[metric] })
    }

    public func time(label: String) -> MeanCI { MeanCI(okRows(label: label).compactMap(\.seconds)) }

    /// Label with the best mean for a metric (nil when nothing is scored).
    public func best(metric: String, higherIsBetter: Bool, blur: String? = nil) -> String? {
        let scored = labels.map { ($0, stat(label: $0, metric: metric, blur: blur).mean) }.filter { $0.1.isFinite }
        return (higherIsBetter ? scored.max { $0.1 < $1.1 } : scored.min { $0.1 < $1.1 })?.0
    }

    /// Fraction of images on which `a` scores better than `b` (ties count half), over images where both ran.
    public func winRate(_ a: String, _ b: String, metric: String, higherIsBetter: Bool) -> Double? {
        let ra = Dictionary(okRows(label: a).compactMap { r in r.metrics[metric].map { (r.image, $0) } }, uniquingKeysWith: { x, _ in x })
        let rb = Dictionary(okRows(label: b).compactMap { r in r.metrics[metric].map { (r.image, $0) } }, uniquingKeysWith: { x, _ in x })
        let common = ra.keys.filter { rb[$0] != nil }
        guard !common.isEmpty else { return nil }
        var wins = 0.0
        for k in common {
            let x = ra[k]!, y = rb[k]!
            if x == y { wins += 0.5 } else if (x > y) == higherIsBetter { wins += 1 }
        }
        return wins / Double(common.count)
    }
}
