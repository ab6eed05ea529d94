import Foundation
import ImageCore
import Metrics

/// A restored image made ready to save and score, by the one rule every surface follows (the
/// comparison runner, the web app, `deblur restore`): NaN or infinite values are an error (the
/// method diverged); values outside [0, 1] are clipped and counted, never silently.
public struct ClippedRestoration: Sendable {
    /// The restoration clipped to [0, 1].
    public let image: Image
    /// How many values were outside [0, 1] before clipping.
    public let clippedValues: Int
    /// The range of the values before clipping.
    public let originalRange: ClosedRange<Float>

    public var totalValues: Int { image.pixels.count }
    public var clippedFraction: Double { Double(clippedValues) / Double(max(totalValues, 1)) }

    /// - Throws: `RestorationError.nonFinite` naming `method` when any value is NaN or infinite.
    public init(_ restored: Image, method: String) throws {
        var nonFinite = 0, outside = 0
        var lo = Float.infinity, hi = -Float.infinity
        for v in restored.pixels {
            if !v.isFinite { nonFinite += 1; continue }
            if v < 0 || v > 1 { outside += 1 }
            lo = min(lo, v)
            hi = max(hi, v)
        }
        guard nonFinite == 0 else { throw RestorationError.nonFinite(method: method, count: nonFinite) }
        image = outside > 0 ? restored.clamped(to: 0 ... 1) : restored
        clippedValues = outside
        originalRange = restored.pixels.isEmpty ? 0 ... 0 : lo ... hi
    }

    /// A note for a terminal, or nil when nothing was clipped.
    public var note: String? {
        guard clippedValues > 0 else { return nil }
        return String(format: "clipped %d of %d values (%.2f%%) from [%.3f, %.3f] to [0, 1]", clippedValues, totalValues,
                      100 * clippedFraction, originalRange.lowerBound, originalRange.upperBound)
    }

    /// Every metric's score of the clipped image against `reference`, by metric id.
    public func scores(against reference: Image, metrics: [any Metric]) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for metric in metrics { out[metric.id] = try metric.score(reference: reference, test: image) }
        return out
    }
}
