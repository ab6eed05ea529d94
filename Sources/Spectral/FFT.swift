import CFFTW
import Dispatch
import Foundation
import ImageCore

/// A real 2-D FFT of one shape (height × width, row-major), single precision, through FFTW.
///
/// The spectrum of a real H×W plane holds H × (W/2 + 1) complex values (the other half is the
/// conjugate mirror). `forward` is unnormalised; `inverse` divides by H·W, so
/// `inverse(forward(x)) == x` up to rounding.
///
/// Plans are created once per shape under a global lock (FFTW's planner is not thread-safe) and
/// cached; executing them with the new-array functions is thread-safe, so one `RealFFT2D` may be
/// used from many threads at once.
///
/// Threads: transforms of at least `multithreadedFFTThreshold` points are planned with FFTW's own
/// threads (`workerThreadCount` of them; measured 1.7× faster at 1024² on 2 cores); callers then
/// process channels one after another (`isMultithreaded`). Smaller transforms are single-threaded
/// and callers parallelise over channels or images instead — one level of parallelism either way.
public struct RealFFT2D: @unchecked Sendable {
    public let height: Int
    public let width: Int
    /// Complex columns in the half spectrum: `width / 2 + 1`.
    public var complexWidth: Int { width / 2 + 1 }
    /// Number of complex values in a spectrum: `height × complexWidth`.
    public var spectrumCount: Int { height * complexWidth }
    public var realCount: Int { height * width }

    let forwardPlan: OpaquePointer
    let inversePlan: OpaquePointer
    /// True when FFTW runs this transform on several threads (so callers should not add their own).
    public let isMultithreaded: Bool

    /// The cached transform for `height × width`, planned on first use.
    public static func plan(height: Int, width: Int) -> RealFFT2D {
        precondition(height > 0 && width > 0, "FFT shape must be positive, got \(height)×\(width)")
        return PlanCache.shared.plan(height: height, width: width)
    }

    /// Unnormalised forward transform of `input` (realCount values) into `output` (spectrumCount values).
    /// `input` is left unchanged.
    public func forward(_ input: RealBuffer, _ output: ComplexBuffer) {
        precondition(input.count >= realCount && output.count >= spectrumCount,
                     "forward FFT \(height)×\(width) needs \(realCount) reals and \(spectrumCount) complex values")
        fftwf_execute_dft_r2c(forwardPlan, input.pointer, output.fftw)
    }

    /// Normalised inverse transform. `scratch` receives a copy of `input` that FFTW overwrites,
    /// so `input` is preserved. Pass the same scratch buffer across calls to avoid allocations.
    public func inverse(_ input: ComplexBuffer, _ output: RealBuffer, scratch: ComplexBuffer? = nil) {
        precondition(input.count >= spectrumCount && output.count >= realCount,
                     "inverse FFT \(height)×\(width) needs \(spectrumCount) complex values and \(realCount) reals")
        let work = scratch ?? ComplexBuffer(count: spectrumCount)
        precondition(work !== input, "inverse FFT scratch must not be the input buffer")
        work.floats.update(from: input.floats, count: 2 * spectrumCount)
        fftwf_execute_dft_c2r(inversePlan, work.fftw, output.pointer)
        let scale = 1 / Float(realCount)
        let out = output.pointer
        for i in 0 ..< realCount { out[i] *= scale }
    }

    /// Unnormalised inverse (the result is H·W times the signal) that may overwrite `input`: for
    /// inner loops that fold the 1/(H·W) into a filter computed once.
    public func inverseUnnormalized(destroying input: ComplexBuffer, _ output: RealBuffer) {
        precondition(input.count >= spectrumCount && output.count >= realCount,
                     "inverse FFT \(height)×\(width) needs \(spectrumCount) complex values and \(realCount) reals")
        fftwf_execute_dft_c2r(inversePlan, input.fftw, output.pointer)
    }

    /// Inverse transform that may overwrite `input` (saves a copy in inner loops).
    public func inverse(destroying input: ComplexBuffer, _ output: RealBuffer) {
        precondition(input.count >= spectrumCount && output.count >= realCount,
                     "inverse FFT \(height)×\(width) needs \(spectrumCount) complex values and \(realCount) reals")
        fftwf_execute_dft_c2r(inversePlan, input.fftw, output.pointer)
        let scale = 1 / Float(realCount)
        let out = output.pointer
        for i in 0 ..< realCount { out[i] *= scale }
    }
}

/// How hard FFTW searches for a fast plan: `estimate` (the default: instant planning, transforms
/// up to ~1.5× slower), `DEBLUR_FFTW_PLANNER=measure` (times candidate algorithms once per shape:
/// ~0.1–1 s per new shape, worth it only for long runs on few shapes, such as training) or
/// `patient` (a wider search: minutes per shape at 1024² — 3.5 min here for gray Wiener; ~10% faster transforms).
/// Measured: 30 Richardson–Lucy iterations on a 512² photo took 0.10 s with `estimate` and 0.84 s
/// with `measure`, almost all of it planning.
public let fftwPlannerFlags: UInt32 = {
    switch ProcessInfo.processInfo.environment["DEBLUR_FFTW_PLANNER"] {
    case "measure": return UInt32(FFTW_MEASURE)
    case "patient": return UInt32(FFTW_PATIENT)
    default: return UInt32(FFTW_ESTIMATE)
    }
}()

/// The planner's name, for benchmark reports.
public var fftwPlannerName: String {
    switch fftwPlannerFlags {
    case UInt32(FFTW_MEASURE): return "measure"
    case UInt32(FFTW_PATIENT): return "patient"
    default: return "estimate"
    }
}

/// An FFTW wisdom file (`DEBLUR_FFTW_WISDOM=PATH`): the plans FFTW measured, kept between runs.
/// When set, it is read before the first plan (so even the default `estimate` planner gets the
/// measured plans it holds — FFTW uses wisdom made with at least the requested rigour), and with
/// `DEBLUR_FFTW_PLANNER=measure` or `patient` every newly measured shape is added to it (written to
/// a temporary file, then renamed). Make it once for the sizes you use, e.g.
/// `DEBLUR_FFTW_PLANNER=measure DEBLUR_FFTW_WISDOM=~/.cache/deblur.wisdom deblur restore …`.
/// A file FFTW cannot read is reported on standard error and ignored.
public let fftwWisdomPath: String? = {
    guard let path = ProcessInfo.processInfo.environment["DEBLUR_FFTW_WISDOM"], !path.isEmpty else { return nil }
    return (path as NSString).expandingTildeInPath
}()

/// Reading and writing FFTW wisdom (the planner's measured plans) as text.
public enum FFTWisdom {
    /// Adds the wisdom in `text` to the planner's; false (and nothing added) if it is not FFTW wisdom.
    public static func importText(_ text: String) -> Bool {
        PlanCache.shared.withPlannerLock { fftwf_import_wisdom_from_string(text) != 0 }
    }

    /// The planner's wisdom as text.
    public static func exportText() -> String {
        PlanCache.shared.withPlannerLock {
            guard let raw = fftwf_export_wisdom_to_string() else { return "" }
            defer { free(raw) }
            return String(cString: raw)
        }
    }
}

/// Transforms with at least this many points use FFTW's threads (`DEBLUR_FFT_THREAD_MIN` overrides).
public let multithreadedFFTThreshold: Int = {
    if let text = ProcessInfo.processInfo.environment["DEBLUR_FFT_THREAD_MIN"], let n = Int(text), n > 0 { return n }
    return 1 << 18
}()

/// The process-wide plan cache; every call into FFTW's planner goes through its lock.
final class PlanCache: @unchecked Sendable {
    static let shared = PlanCache()
    private let lock = NSLock()
    private var plans: [Int: [Int: RealFFT2D]] = [:]
    private var threadsInitialised = false
    private var otfPlans: [[Int]: OTFPlan] = [:]
    private var wisdomLoaded = false

    /// Runs `body` holding the planner lock (every call into FFTW's planner or wisdom goes through it).
    func withPlannerLock<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Under the lock, before the first plan: imports `fftwWisdomPath` if it exists.
    private func loadWisdom() {
        guard !wisdomLoaded else { return }
        wisdomLoaded = true
        guard let path = fftwWisdomPath, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        if fftwf_import_wisdom_from_string(text) == 0 {
            FileHandle.standardError.write(Data("deblur: ignoring \(path) (DEBLUR_FFTW_WISDOM): it is not FFTW wisdom; delete it, or regenerate it with DEBLUR_FFTW_PLANNER=measure\n".utf8))
        }
    }

    /// Under the lock, after a new plan: writes the wisdom back when plans are being measured.
    private func saveWisdom() {
        guard let path = fftwWisdomPath, fftwPlannerFlags != UInt32(FFTW_ESTIMATE),
              let raw = fftwf_export_wisdom_to_string() else { return }
        defer { free(raw) }
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try writeAtomically(Data(String(cString: raw).utf8), to: url)
        } catch {
            FileHandle.standardError.write(Data("deblur: could not save FFTW wisdom to \(path): \(error.localizedDescription)\n".utf8))
        }
    }

    /// Once, under the lock: FFTW's threads, with their parallel loops run by `concurrentPerform`
    /// (the pool `parallelFor` uses) instead of FFTW's own pthreads, so the transforms and the
    /// element-wise passes between them share one set of worker threads instead of waking two.
    private func initialiseThreads() {
        defer { loadWisdom() }   // after the threads: they register solvers, part of wisdom's signature
        guard !threadsInitialised else { return }
        fftwf_init_threads()
        if ProcessInfo.processInfo.environment["DEBLUR_FFTW_OWN_THREADS"] == nil {
            fftwf_threads_set_callback({ work, jobdata, elementSize, jobs, _ in
                guard let work, let jobdata else { return }
                let shared = UncheckedSendable(jobdata)   // FFTW gives each job its own slice of jobdata
                DispatchQueue.concurrentPerform(iterations: Int(jobs)) { i in _ = work(shared.value + i * elementSize) }
            }, nil)
        }
        threadsInitialised = true
    }

    func otfPlan(height: Int, width: Int, rows: Int) -> OTFPlan {
        lock.lock()
        defer { lock.unlock() }
        if let cached = otfPlans[[height, width, rows]] { return cached }
        let cw = width / 2 + 1
        let real = RealBuffer(count: rows * width)
        let rowSpectra = ComplexBuffer(count: rows * cw)
        let spectrum = ComplexBuffer(count: height * cw)
        initialiseThreads()
        fftwf_plan_with_nthreads(1)
        var n = Int32(width)
        let rowPlan = fftwf_plan_many_dft_r2c(1, &n, Int32(rows), real.pointer, nil, 1, Int32(width),
                                              rowSpectra.fftw, nil, 1, Int32(cw), fftwPlannerFlags)
        fftwf_plan_with_nthreads(Int32(height * width >= multithreadedFFTThreshold ? workerThreadCount : 1))
        var m = Int32(height)
        let columnPlan = fftwf_plan_many_dft(1, &m, Int32(cw), spectrum.fftw, nil, Int32(cw), 1,
                                             spectrum.fftw, nil, Int32(cw), 1, FFTW_FORWARD, fftwPlannerFlags)
        guard let rowPlan, let columnPlan else { fatalError("FFTW could not plan the OTF transforms for \(height)×\(width)") }
        let plan = OTFPlan(rowPlan: rowPlan, columnPlan: columnPlan)
        otfPlans[[height, width, rows]] = plan
        saveWisdom()
        return plan
    }

    func plan(height: Int, width: Int) -> RealFFT2D {
        lock.lock()
        defer { lock.unlock() }
        if let cached = plans[height]?[width] { return cached }
        // Plan on aligned scratch arrays (MEASURE overwrites them); execution later uses other
        // fftwf_malloc arrays, which have the same alignment, as the new-array interface requires.
        let real = RealBuffer(count: height * width)
        let spectrum = ComplexBuffer(count: height * (width / 2 + 1))
        let flags = fftwPlannerFlags
        let threads = height * width >= multithreadedFFTThreshold ? workerThreadCount : 1
        initialiseThreads()
        fftwf_plan_with_nthreads(Int32(threads))
        guard let f = fftwf_plan_dft_r2c_2d(Int32(height), Int32(width), real.pointer, spectrum.fftw, flags),
              let i = fftwf_plan_dft_c2r_2d(Int32(height), Int32(width), spectrum.fftw, real.pointer, flags) else {
            fatalError("FFTW could not plan a \(height)×\(width) transform")
        }
        let plan = RealFFT2D(height: height, width: width, forwardPlan: f, inversePlan: i, isMultithreaded: threads > 1)
        plans[height, default: [:]][width] = plan
        saveWisdom()
        return plan
    }
}

/// The two batched 1-D transforms of `prunedOTF` for an H×W grid and kernels of `rows` rows: `rows`
/// real rows of length W (r2c), then the W/2 + 1 complex columns of length H (c2c, in place, with
/// FFTW's threads when the grid is large).
struct OTFPlan: @unchecked Sendable {
    let rowPlan: OpaquePointer
    let columnPlan: OpaquePointer

    func transformRows(_ input: RealBuffer, _ output: ComplexBuffer) {
        fftwf_execute_dft_r2c(rowPlan, input.pointer, output.fftw)
    }

    func transformColumns(_ spectrum: ComplexBuffer) {
        fftwf_execute_dft(columnPlan, spectrum.fftw, spectrum.fftw)
    }
}

/// The smallest n' ≥ n whose only prime factors are 2, 3, 5 and 7 (sizes FFTW transforms fastest).
public func fastFFTSize(_ n: Int) -> Int {
    precondition(n > 0, "fastFFTSize needs a positive size, got \(n)")
    var candidate = n
    while true {
        var m = candidate
        for p in [2, 3, 5, 7] { while m % p == 0 { m /= p } }
        if m == 1 { return candidate }
        candidate += 1
    }
}
