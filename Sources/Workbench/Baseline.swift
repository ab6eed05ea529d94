import Datasets
import ImageCore
import Foundation

/// A committed record of mean scores that later runs must not fall below (by more than a tolerance).
public struct Baseline: Codable, Sendable, Equatable {
    public struct Manifest: Codable, Sendable, Equatable {
        public var selection: CaseSelection
        /// SHA-256 of every sharp source image, by case id.
        public var dataSHA256: [String: String]
        public var versions: [String: String]
        public var gitCommit: String
        enum CodingKeys: String, CodingKey { case selection, dataSHA256 = "data_sha256", versions, gitCommit = "git_commit" }
    }
    public var manifest: Manifest
    /// Allowed worsening of a mean, per metric id (in the metric's units).
    public var tolerance: [String: Double]
    /// Mean score per method label and metric id.
    public var means: [String: [String: Double]]

    /// Default tolerances: small enough to catch a real regression, larger than run-to-run float noise.
    public static let defaultTolerance: [String: Double] = ["psnr": 0.05, "ssim": 0.002, "ms_ssim": 0.002, "vif": 0.005, "st_lpips": 0.005]

    public init(rows: [ResultRow], info: RunInfo, dataSHA256: [String: String]) {
        let s = Summary(rows: rows, methodOrder: info.methods.map(\.name), metricIDs: info.metrics.map(\.id))
        var means: [String: [String: Double]] = [:]
        for label in s.labels {
            for m in info.metrics {
                let v = s.stat(label: label, metric: m.id).mean
                if v.isFinite { means[label, default: [:]][m.id] = v }
            }
        }
        self.means = means
        tolerance = Self.defaultTolerance.filter { id, _ in info.metrics.contains { $0.id == id } }
        var versions = info.versions
        versions["jobs"] = nil
        versions["threads"] = nil
        manifest = Manifest(selection: info.selection, dataSHA256: dataSHA256, versions: versions, gitCommit: info.gitCommit)
    }

    public static func read(_ url: URL) throws -> Baseline {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw WorkbenchError.badBaseline("baseline \(url.path) does not exist; write one from a run first")
        }
        do { return try RowStore.decoder().decode(Baseline.self, from: data) } catch {
            throw WorkbenchError.badBaseline("baseline \(url.path) is not a baseline file: \(error.localizedDescription)")
        }
    }

    public func write(to url: URL) throws {
        let enc = RowStore.encoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try enc.encode(self), to: url)
    }

    /// Lines naming each method and metric whose mean worsened by more than the tolerance.
    /// - Throws: `WorkbenchError.badBaseline` when the baseline was made on other data.
    public func regressions(rows: [ResultRow], info: RunInfo, dataSHA256: [String: String]) throws -> [String] {
        guard manifest.selection.data == info.selection.data || manifest.dataSHA256 == dataSHA256 else {
            throw WorkbenchError.badBaseline("the baseline was made on \(manifest.selection.data), this run uses \(info.selection.data)")
        }
        guard manifest.dataSHA256 == dataSHA256 else {
            throw WorkbenchError.badBaseline("the baseline's images differ from this run's (SHA-256 of the sharp sources); write a new baseline from this run")
        }
        let current = Baseline(rows: rows, info: info, dataSHA256: dataSHA256).means
        let higher = Dictionary(uniqueKeysWithValues: info.metrics.map { ($0.id, $0.higherIsBetter) })
        var out: [String] = []
        for (label, scores) in means.sorted(by: { $0.key < $1.key }) {
            guard let now = current[label] else { continue }
            for (metric, old) in scores.sorted(by: { $0.key < $1.key }) {
                guard let new = now[metric], let up = higher[metric] else { continue }
                let tol = tolerance[metric] ?? 0
                let worse = up ? old - new : new - old
                if worse > tol {
                    out.append(String(format: "%@ %@: %.4f → %.4f (worse by %.4f, tolerance %.4f)", label, metric, old, new, worse, tol))
                }
            }
        }
        return out
    }
}

extension Comparison {
    /// SHA-256 of the sharp source of every case (synthetic cases of one image share it).
    public static func dataHashes(_ specs: [CaseSpec]) throws -> [String: String] {
        var out: [String: String] = [:]
        for s in specs { out[s.id] = try SHA256.hex(fileAt: s.sharpPath) }
        return out
    }
}
