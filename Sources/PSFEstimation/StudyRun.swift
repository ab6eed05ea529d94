import Datasets
import Foundation
import ImageCore
import ImageIO

/// Which cases a PSF study runs, on which data.
public struct PSFStudyRequest: Sendable {
    /// `builtin`, a folder of sharp photographs, or a folder with the Levin et al. 2009 benchmark
    /// (`isLevinDataset(at:)`).
    public var data = "builtin"
    public var options = PSFStudyOptions()
    /// Worker threads (cases run in parallel, one per thread).
    public var threads = workerThreadCount
    /// Only these families (`motion`, `defocus`, `gaussian`, `shake`); nil for all.
    public var families: Set<String>?
    /// Only the cases on these images; the sweep is built over all images first, so a case keeps
    /// its blur and seed. Nil for all.
    public var images: Set<String>?

    public init() {}
}

/// The rows of a study and what it ran on.
public struct PSFStudyRun: Sendable {
    public var rows: [PSFStudyRow]
    /// The data as the report names it, e.g. "built-in photographs (astronaut, …)".
    public var dataName: String
    /// Wall-clock time of loading and running every case.
    public var seconds: Double
}

/// Runs a PSF study: the Levin et al. benchmark (every blurred image, at most `options.limit`)
/// when `request.data` holds it, else the synthetic sweep (`syntheticStudyCases`) over the
/// photographs of `request.data` that are at least `options.side + 40` pixels on each side.
/// `progress(done, total)` is called after each case, from the worker threads.
/// - Throws: `PSFEstimationError.noLargeEnoughImage` / `.unknownImages` for an unusable
///   selection, and the loaders' errors for unreadable data (a corrupt benchmark file is an
///   error, never skipped).
public func runPSFStudy(_ request: PSFStudyRequest, progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> PSFStudyRun {
    let start = Date()
    let options = request.options
    if request.data != "builtin" && isLevinDataset(at: request.data) {
        let samples = try loadLevinDataset(at: request.data)
        let levin = options.limit.map { Array(samples.prefix($0)) } ?? samples
        let rows = runCases(count: levin.count, threads: request.threads, progress: progress) { runBenchmarkCase(levin[$0], options: options) }
        return PSFStudyRun(rows: rows, dataName: "Levin et al. 2009 benchmark at \(request.data) (\(levin.count) blurred images)",
                           seconds: Date().timeIntervalSince(start))
    }
    let images = try studyImages(request.data, side: options.side)
    let names = images.keys.sorted()
    let cases = try selectedCases(request, imageNames: names)
    let rows = runCases(count: cases.count, threads: request.threads, progress: progress) {
        runSyntheticCase(cases[$0], source: images[cases[$0].image]!, options: options)
    }
    let dataName = request.data == "builtin" ? "built-in photographs (\(names.joined(separator: ", ")))" : "\(request.data) (\(names.count) images)"
    return PSFStudyRun(rows: rows, dataName: dataName, seconds: Date().timeIntervalSince(start))
}

/// The luma of every photograph of `data` large enough for a `side`-pixel crop with a margin of 40.
func studyImages(_ data: String, side: Int) throws -> [String: Image] {
    var images: [String: Image] = [:]
    for sample in try BuiltinData.resolve(data).samples {
        let image = try readImage(at: sample.sharpPath, maxPixels: 40_000_000).luma()
        if image.width >= side + 40 && image.height >= side + 40 { images[sample.id] = image }
    }
    guard !images.isEmpty else { throw PSFEstimationError.noLargeEnoughImage(data: data, minimumSide: side + 40) }
    return images
}

/// The synthetic sweep over `imageNames`, then only the requested families and images.
func selectedCases(_ request: PSFStudyRequest, imageNames names: [String]) throws -> [PSFStudyCase] {
    var cases = try syntheticStudyCases(imageNames: names, options: request.options)
    if let keep = request.families { cases = cases.filter { keep.contains($0.family) } }
    if let keep = request.images {
        guard keep.isSubset(of: Set(names)) else {
            throw PSFEstimationError.unknownImages(keep.subtracting(names).sorted(), data: request.data, available: names)
        }
        cases = cases.filter { keep.contains($0.image) }
    }
    return cases
}

/// Runs `body` for 0..<count on `threads` threads (results in index order), calling `progress`
/// after each.
func runCases(count: Int, threads: Int, progress: @escaping @Sendable (Int, Int) -> Void,
              _ body: @escaping @Sendable (Int) -> PSFStudyRow) -> [PSFStudyRow] {
    let results = UnsafeMutableBufferPointer<PSFStudyRow?>.allocate(capacity: count)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    let slots = UncheckedSendable(results)   // each index is written by exactly one iteration
    let done = ProgressCounter(total: count, report: progress)
    parallelFor(count, threads: threads) { i in
        slots.value[i] = body(i)
        done.step()
    }
    return results.map { $0! }
}
