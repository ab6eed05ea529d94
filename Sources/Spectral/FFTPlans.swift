import CFFTW
import Foundation

/// How hard FFTW searches for a fast plan the first time a shape is used (FFTW's planner flags).
///
/// - `estimate` (default): heuristics only, no planning time, and the same plan in every run, so
///   results are bit-reproducible. About 2.0 ms for a 1024² r2c on this machine.
/// - `measure`: times candidate algorithms once per shape (≈ 0.05–1 s per new shape), about 1.5×
///   faster afterwards (1.3 ms for 1024²); worth it when many images share one size. The chosen plan
///   can differ between runs, so the last bits of results can too.
/// - `patient`: a wider search, much slower planning.
/// Set with `FFTPlanning.rigor` or the environment variable `DEBLUR_FFTW_PLANNING`.
public enum FFTPlanningRigor: String, Sendable, CaseIterable {
    case estimate, measure, patient

    var flags: UInt32 {
        switch self {
        case .estimate: return UInt32(FFTW_ESTIMATE)
        case .measure: return UInt32(FFTW_MEASURE)
        case .patient: return UInt32(FFTW_PATIENT)
        }
    }
}

/// Process-wide FFTW planning settings.
public enum FFTPlanning {
    /// Planner rigour for shapes planned from now on (already cached plans are kept).
    /// Defaults to `DEBLUR_FFTW_PLANNING` (estimate | measure | patient) or `.estimate`.
    public static var rigor: FFTPlanningRigor {
        get { PlanCache.shared.rigor }
        set { PlanCache.shared.rigor = newValue }
    }

    /// Number of plans created so far (one per shape, direction and rigour).
    public static var cachedPlanCount: Int { PlanCache.shared.count }

    /// FFTW's version string, e.g. "fftw-3.3.10-sse2-avx".
    public static var fftwVersion: String { String(cString: deblur_fftwf_version()) }
}

/// An FFTW plan handle. Plans are immutable once created and FFTW's new-array execute functions
/// may run one plan from many threads at once, on different buffers.
struct FFTPlan: @unchecked Sendable {
    // @unchecked Sendable: FFTW guarantees fftwf_execute_dft_r2c/c2r are thread-safe; the planner,
    // which is not, is only called inside PlanCache under its lock.
    let pointer: OpaquePointer
}

enum FFTDirection: Hashable { case forward, inverse }

struct PlanKey: Hashable {
    let height: Int
    let width: Int
    let direction: FFTDirection
    let rigor: FFTPlanningRigor
}

/// All plans of the process, created once per key under one lock (FFTW's planner is not
/// thread-safe) and kept for the life of the process.
final class PlanCache: @unchecked Sendable {
    // @unchecked Sendable: every stored property is read and written under `lock`.
    static let shared = PlanCache()

    private let lock = NSLock()
    private var plans: [PlanKey: FFTPlan] = [:]
    private var rigorValue: FFTPlanningRigor

    private init() {
        let env = ProcessInfo.processInfo.environment["DEBLUR_FFTW_PLANNING"]?.lowercased()
        rigorValue = env.flatMap(FFTPlanningRigor.init(rawValue:)) ?? .estimate
    }

    var rigor: FFTPlanningRigor {
        get { lock.withLock { rigorValue } }
        set { lock.withLock { rigorValue = newValue } }
    }

    var count: Int { lock.withLock { plans.count } }

    /// The plan for a real `height × width` transform in `direction`, creating it if needed.
    /// Planning happens on scratch buffers from `AlignedStorage` (with `measure`, FFTW overwrites
    /// them), so executions on any `AlignedStorage` buffers have the alignment the plan expects.
    func plan(height: Int, width: Int, direction: FFTDirection) -> FFTPlan {
        lock.lock()
        defer { lock.unlock() }
        let key = PlanKey(height: height, width: width, direction: direction, rigor: rigorValue)
        if let plan = plans[key] { return plan }
        let real = AlignedStorage(count: height * width)
        let complex = AlignedStorage(count: 2 * height * (width / 2 + 1))
        let complexPointer = UnsafeMutablePointer<fftwf_complex>(OpaquePointer(complex.pointer))
        let h = Int32(height), w = Int32(width)
        let created: OpaquePointer?
        switch direction {
        case .forward:
            created = fftwf_plan_dft_r2c_2d(h, w, real.pointer, complexPointer, key.rigor.flags)
        case .inverse:
            // Multi-dimensional c2r always destroys its input; the API reflects that.
            created = fftwf_plan_dft_c2r_2d(h, w, complexPointer, real.pointer,
                                            key.rigor.flags | UInt32(FFTW_DESTROY_INPUT))
        }
        guard let created else {
            fatalError("FFTW could not create a \(direction) plan for \(height)×\(width)")
        }
        let plan = FFTPlan(pointer: created)
        plans[key] = plan
        return plan
    }
}

/// The smallest n′ ≥ `n` whose only prime factors are 2, 3, 5 and 7 — sizes FFTW transforms
/// fastest. Pad to it before transforming (e.g. 1054 → 1080, 97 → 98).
public func fastFFTSize(_ n: Int) -> Int {
    precondition(n >= 1, "fastFFTSize needs n ≥ 1, got \(n)")
    var candidate = n
    while true {
        var m = candidate
        for p in [2, 3, 5, 7] { while m % p == 0 { m /= p } }
        if m == 1 { return candidate }
        candidate += 1
    }
}

/// The transform shape for a linear (non-wrapping) convolution of an `imageHeight × imageWidth`
/// image with a `kernelHeight × kernelWidth` kernel: each side `fastFFTSize(image + kernel − 1)`.
public func paddedFFTShape(imageHeight: Int, imageWidth: Int,
                           kernelHeight: Int, kernelWidth: Int) -> (height: Int, width: Int) {
    (fastFFTSize(imageHeight + kernelHeight - 1), fastFFTSize(imageWidth + kernelWidth - 1))
}
