import Foundation

/// How a table cell states the spread of its values: a Student-t interval when there are enough
/// values for one to mean something, the observed range otherwise.
///
/// Rule: n ≥ 5 → mean ± t₀.₉₇₅(n − 1) · s/√n (`MeanCI`, two-sided 95 %); 1 ≤ n < 5 → min–max. With
/// n = 2 the t interval is ±12.7 s/√2 (one degree of freedom), wider than anything the data showed,
/// so the report shows the range and the count instead; at n = 5, t = 2.776 and the interval is about
/// as wide as the typical range of five values, which is where the two start to agree.
public struct CellSpread: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case tInterval = "t95", range, none }

    /// Smallest n that gets a t interval.
    public static let minimumCountForInterval = 5

    public let mean: Double
    public let count: Int
    public let kind: Kind
    /// Lower and upper end: mean ∓ half-width for `.tInterval`, min and max for `.range`, nil for `.none`.
    public let lower: Double?
    public let upper: Double?

    /// - Parameter values: the cell's values; non-finite ones are ignored (as in `MeanCI`).
    public init(_ values: [Double]) {
        let ci = MeanCI(values)
        mean = ci.mean
        count = ci.count
        let finite = values.filter(\.isFinite)
        if count >= Self.minimumCountForInterval, let h = ci.halfWidth {
            kind = .tInterval
            lower = ci.mean - h
            upper = ci.mean + h
        } else if let lo = finite.min(), let hi = finite.max() {
            kind = .range
            lower = lo
            upper = hi
        } else {
            kind = .none
            lower = nil
            upper = nil
        }
    }
}
