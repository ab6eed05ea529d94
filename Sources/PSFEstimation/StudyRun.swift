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
    /// How the Levin benchmark's stored kernels are read (`loadLevinDataset`); ignored for synthetic data.
    public var kernelOrientation = KernelOrientation.auto
    /// Run the Levin-like check (`levinLikeCases`) instead of the sweep: on `images`, or on
    /// `levinLikeDefaultImages` when `images` is nil.
    public var levinLike = false

    public init() {}
}

/// The rows of a study and what it ran on.
public struct PSFStudyRun: Sendable {
    public var rows: [PSFStudyRow] { outcomes.map(\.row) }
    /// Every case's row with its true and estimated kernels.
    public var outcomes: [PSFStudyOutcome]
    /// The data as the report names it, e.g. "built-in photographs (astronaut, …)".
    public var dataName: String
    /// Wall-clock time of loading and running every case.
    public var seconds: Double
    /// What the report should say about the data: how benchmark kernels were oriented, which files
    /// were skipped and why.
    public var notes: [String] = []
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
        let dataset = try loadLevinDataset(at: request.data, orientation: request.kernelOrientation)
        let levin = options.limit.map { Array(dataset.samples.prefix($0)) } ?? dataset.samples
        let rows = runCases(count: levin.count, threads: request.threads, progress: progress) { runBenchmarkCase(levin[$0], options: options) }
        let loaded = BlindBenchmarkDataset(samples: levin, skipped: dataset.skipped)
        var notes: [String] = ["Kernels: \(loaded.orientationSummary)."]
        for file in dataset.skipped { notes.append("Skipped \(file).") }
        return PSFStudyRun(outcomes: rows, dataName: "Levin et al. 2009 benchmark at \(request.data) (\(levin.count) blurred images)",
                           seconds: Date().timeIntervalSince(start), notes: notes)
    }
    if request.levinLike { return try runLevinLikeCheck(request, start: start, progress: progress) }
    let images = try studyImages(request.data, side: options.side)
    let names = images.keys.sorted()
    let cases = try selectedCases(request, imageNames: names)
    let rows = runCases(count: cases.count, threads: request.threads, progress: progress) {
        runSyntheticCase(cases[$0], source: images[cases[$0].image]!, options: options)
    }
    let dataName = request.data == "builtin" ? "built-in photographs (\(names.joined(separator: ", ")))" : "\(request.data) (\(names.count) images)"
    return PSFStudyRun(outcomes: rows, dataName: dataName, seconds: Date().timeIntervalSince(start))
}

/// The Levin-like check on the requested (or default) photographs of `request.data`.
func runLevinLikeCheck(_ request: PSFStudyRequest, start: Date, progress: @escaping @Sendable (Int, Int) -> Void) throws -> PSFStudyRun {
    let wanted = request.images.map { $0.sorted() } ?? levinLikeDefaultImages
    let samples = try BuiltinData.resolve(request.data).samples
    let available = samples.map(\.id)
    guard Set(wanted).isSubset(of: Set(available)) else {
        throw PSFEstimationError.unknownImages(Set(wanted).subtracting(available).sorted(), data: request.data, available: available.sorted())
    }
    var sources: [String: Image] = [:]
    for sample in samples where wanted.contains(sample.id) {
        sources[sample.id] = try levinLikeSource(try readImage(at: sample.sharpPath, maxPixels: 40_000_000))
    }
    var options = request.options
    options.side = levinLikeSide
    options.blindMargin = 0
    let cases = try levinLikeCases(imageNames: wanted, noise: options.noiseSigma, seed: options.seed)
    let (images, caseOptions) = (sources, options)
    let rows = runCases(count: cases.count, threads: request.threads, progress: progress) {
        runSyntheticCase(cases[$0], source: images[cases[$0].image]!, options: caseOptions)
    }
    return PSFStudyRun(outcomes: rows, dataName: "Levin-like check: \(wanted.joined(separator: ", ")) (\(request.data)) × \(levinLikeKernels.count) camera shakes",
                       seconds: Date().timeIntervalSince(start),
                       notes: ["Levin-like check: each photograph downscaled by an integer factor (area averaging) to a whole scene, its centre "
                               + "\(levinLikeSide)² blurred valid by each of \(levinLikeKernels.joined(separator: ", ")) (sides 13–27 px as the benchmark's), "
                               + "noise σ = \(options.noiseSigma), 8-bit; blind estimation at the true kernel side."])
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
              _ body: @escaping @Sendable (Int) -> PSFStudyOutcome) -> [PSFStudyOutcome] {
    let results = UnsafeMutableBufferPointer<PSFStudyOutcome?>.allocate(capacity: count)
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
