import Datasets
import Foundation
import ImageCore
import Metrics

/// Everything `deblur compare` is asked to do.
public struct ComparisonOptions: Sendable {
    public var selection = CaseSelection()
    public var methods = MethodSelection.all
    /// Settings of individual methods by name (a learned method's `weights`, say); others use their defaults.
    public var settings: [String: ParameterValues] = [:]
    public var metrics = MetricSelection.all
    /// The PSF rows of classical methods.
    public var psf = PSFRows.true
    public var jobs = 1
    public var shard: Shard? = nil
    public var versions: [String: String] = [:]
    public var gitCommit = "unknown"
    /// The estimator of estimated-PSF rows (the registry's default unless replaced; nil: those rows
    /// are "unavailable").
    public var estimator: PSFEstimatorEntry? = MethodRegistry.defaultEstimator
    public init() {}
}

/// A prepared comparison: validated options, the case list, the methods and the store, before any work.
public struct PreparedComparison {
    public let runner: ComparisonRunner
    public let info: RunInfo
    public let out: URL
    public let caseIDs: Set<String>
    /// Methods whose earlier rows in the output folder were discarded because the method changed.
    public let changedMethods: [String]
    /// True when the earlier rows were scored with another PSF estimator (by its description):
    /// their estimated-PSF rows were discarded.
    public let estimatorChanged: Bool

    /// Rows of this run's cases and plan (what the report shows).
    public var rows: [ResultRow] {
        let keys = Set(runner.specs.flatMap { s in runner.plan.map { ResultRow.key(image: s.id, method: $0.method.name, psfMode: $0.mode) } })
        return runner.store.rows.values.filter { keys.contains($0.key) }
    }

    public func writeReport() throws {
        try ReportWriter.write(rows: rows, info: info, to: out)
    }
}

public enum Comparison {
    /// Validates everything and opens the store in `out`; no image is restored yet.
    /// - Throws: a clear error for a bad data path, an empty dataset, an unknown method or metric,
    ///   missing weights, a bad `--psf`, or an output folder holding a different comparison.
    public static func prepare(_ o: ComparisonOptions, out: URL) throws -> PreparedComparison {
        let psfModes = o.psf.modes
        let metrics = try o.metrics.resolve()
        let methods = try MethodRegistry.resolve(o.methods, settings: o.settings)
        let (allSpecs, dataset) = try CaseListing.list(o.selection)
        let specs = o.shard?.select(allSpecs) ?? allSpecs
        guard !specs.isEmpty else { throw WorkbenchError.emptyShard(index: o.shard!.index, count: o.shard!.count, cases: allSpecs.count) }
        var versions = o.versions
        versions["jobs"] = String(o.jobs)
        versions["threads"] = String(workerThreadCount)
        let info = RunInfo(
            selection: o.selection, dataset: dataset.root, layout: dataset.layout.rawValue,
            testScenes: Array(Set(specs.map(\.scene))).sorted(), caseCount: specs.count,
            methods: methods.map { .init(name: $0.name, family: $0.family.rawValue, summary: $0.summary, fingerprint: $0.fingerprint) },
            metrics: metrics.map { .init(id: $0.id, name: $0.displayName, variant: $0.description, higherIsBetter: $0.higherIsBetter) },
            psfModes: psfModes, psfEstimator: o.estimator?.description, versions: versions, gitCommit: o.gitCommit)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let runURL = out.appendingPathComponent("run.json")
        // Rows of a method that changed since they were scored (other weights, other settings) are
        // computed again rather than reused.
        var changed: Set<String> = []
        var estimatorChanged = false
        if let data = FileManager.default.contents(atPath: runURL.path), let old = try? JSONDecoder().decode(RunInfo.self, from: data) {
            guard old.hasSameCases(as: info) else {
                throw WorkbenchError.incompatibleRun("\(out.path) holds a comparison of other data (\(old.selection.data), \(old.selection.split) split, "
                    + "blur \(old.selection.blur), seed \(old.selection.seed)); choose another -o folder or delete it")
            }
            // (Run files from before fingerprints were recorded: the summary was the whole identity
            // of a classical method; a learned one's weights are unknown, so its rows are redone.)
            let before = Dictionary(old.methods.map { ($0.name, $0.fingerprint ?? $0.summary) }, uniquingKeysWith: { a, _ in a })
            for m in info.methods where before[m.name].map({ $0 != m.fingerprint }) ?? false { changed.insert(m.name) }
            // The estimator's description is its identity (it names the method and its settings).
            estimatorChanged = old.psfEstimator != info.psfEstimator
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try enc.encode(info), to: runURL)
        let store = try RowStore(url: out.appendingPathComponent("rows.jsonl")) {
            changed.contains($0.method) || (estimatorChanged && $0.psfMode == .estimated)
        }
        let runner = ComparisonRunner(specs: specs, methods: methods, metrics: metrics, psfModes: psfModes, store: store,
                                      assets: out.appendingPathComponent("assets"), estimator: o.estimator?.estimate, jobs: o.jobs)
        return PreparedComparison(runner: runner, info: info, out: out, caseIDs: Set(specs.map(\.id)), changedMethods: changed.sorted(),
                                  estimatorChanged: estimatorChanged)
    }

    /// Combines the outputs of shards of one comparison into `out` (rows, pictures, report).
    /// - Throws: `WorkbenchError.incompatibleRun` when the folders hold different comparisons.
    public static func merge(_ inputs: [URL], into out: URL) throws -> (rows: [ResultRow], info: RunInfo) {
        guard !inputs.isEmpty else { throw WorkbenchError.nothingToMerge }
        var infos: [RunInfo] = []
        var rows: [String: ResultRow] = [:]
        for dir in inputs {
            let runURL = dir.appendingPathComponent("run.json")
            guard let data = FileManager.default.contents(atPath: runURL.path) else {
                throw WorkbenchError.notAComparison(path: dir.path)
            }
            let info = try JSONDecoder().decode(RunInfo.self, from: data)
            if let first = infos.first, !first.isCompatible(with: info) {
                throw WorkbenchError.incompatibleRun("\(dir.path) holds a different comparison than \(inputs[0].path) (data, split, seeds, methods or metrics differ)")
            }
            infos.append(info)
            for (k, v) in try RowStore.read(dir.appendingPathComponent("rows.jsonl")) { rows[k] = v }
        }
        var info = infos[0]
        info.caseCount = Set(rows.values.map(\.image)).count
        info.testScenes = Array(Set(infos.flatMap(\.testScenes))).sorted()
        info.versions["jobs"] = Set(infos.map { $0.versions["jobs"] ?? "?" }).sorted().joined(separator: "/")
        try FileManager.default.createDirectory(at: out.appendingPathComponent("assets"), withIntermediateDirectories: true)
        let fm = FileManager.default
        for dir in inputs {
            let assets = dir.appendingPathComponent("assets")
            for caseDir in (try? fm.contentsOfDirectory(atPath: assets.path)) ?? [] {
                let target = out.appendingPathComponent("assets").appendingPathComponent(caseDir)
                try fm.createDirectory(at: target, withIntermediateDirectories: true)
                for file in try fm.contentsOfDirectory(atPath: assets.appendingPathComponent(caseDir).path) {
                    let dst = target.appendingPathComponent(file)
                    if fm.fileExists(atPath: dst.path) { continue }
                    try fm.copyItem(at: assets.appendingPathComponent(caseDir).appendingPathComponent(file), to: dst)
                }
            }
        }
        let sorted = rows.values.sorted { $0.key < $1.key }
        let enc = RowStore.encoder()
        try writeAtomically(Data(try sorted.map { String(decoding: try enc.encode($0), as: UTF8.self) + "\n" }.joined().utf8),
                            to: out.appendingPathComponent("rows.jsonl"))
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try pretty.encode(info), to: out.appendingPathComponent("run.json"))
        try ReportWriter.write(rows: sorted, info: info, to: out)
        return (sorted, info)
    }
}
