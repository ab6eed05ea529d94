import CBLAS
import Foundation
import ImageCore

/// Which kernels OpenBLAS runs. OpenBLAS picks them from the CPU at load time unless the
/// environment variable `OPENBLAS_CORETYPE` forces a family; `deblur` makes sure that is never a
/// generic fallback on a CPU with AVX2 or AVX-512 (`BLASCoreChoice`), and `deblur info` and
/// `deblur bench` report which family ran.
public enum BLASKernels {
    /// The OpenBLAS core type in use (e.g. `Cooperlake`, `SkylakeX`, `Haswell`, `Zen`, `Prescott`).
    public static var coreName: String { String(cString: openblas_get_corename()) }
}

/// Where the convolution call sites parallelise — the one level of parallelism (see `BLASThreads`):
///
/// - `batch` (`parallelOverBatch == true`): work items — (image, block of output rows) for forward
///   passes, images for backward passes, (image, channel range) for transposed forward passes — are
///   taken dynamically by `parallelFor` workers, each running single-threaded sgemm, so im2col,
///   col2im and the bias/activation epilogue run in parallel too;
/// - `blas`: items in turn on the caller's thread, each sgemm on OpenBLAS's own threads.
///
/// Measured with `deblur bench nn` (2 cores, both OpenBLAS kernel families): `batch` was faster at
/// every convolution of both benchmark networks, forward and backward, at the training batch
/// (e.g. U-Net 32→32 at 64², forward 185 vs 151 GFLOP/s; autoencoder 64→128 stride 2, 217 vs 185),
/// and in the 512×512 inference (e.g. 32→32 at 512², 236 vs 170 GFLOP/s with AVX-512 kernels),
/// because with `blas` im2col and the epilogue run on one core while OpenBLAS's second thread spins.
/// Backward passes of a single image fall back to `blas` (their col2im must not be split).
/// `DEBLUR_CONV_SCHEDULE=blas|batch` forces one strategy (for re-measuring).
public enum ConvolutionSchedule {
    /// True for the `batch` schedule (the measured default), false for `blas`.
    public static func parallelOverBatch(_ g: Conv2dGeometry) -> Bool {
        forced != "blas"
    }

    static let forced = ProcessInfo.processInfo.environment["DEBLUR_CONV_SCHEDULE"] ?? ""
}

/// Row-major single-precision matrix product through OpenBLAS:
/// `C (m × n) = alpha · op(A) (m × k) · op(B) (k × n) + beta · C`, with leading dimensions in elements.
/// `transposeA` / `transposeB` select `op(X) = Xᵀ`, read from a row-major `X` of shape `k × m` / `n × k`.
@inline(__always)
public func sgemm(transposeA: Bool = false, transposeB: Bool = false,
                  m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int,
                  b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0,
                  c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// OpenBLAS's own thread count, and the rule the kernels follow to parallelise at exactly one level.
///
/// Each kernel call site either
/// - makes one large `sgemm` and lets OpenBLAS use `BLASThreads.count` threads (`.blas`), or
/// - splits the batch with `parallelFor` and runs single-threaded `sgemm`s inside (`.batch`).
/// The choice per call site was measured with `deblur bench nn` and is written next to the call.
public enum BLASThreads {
    /// Threads OpenBLAS uses for a multi-threaded call: `workerThreadCount` (`DEBLUR_THREADS`).
    public static let count: Int = workerThreadCount
    /// `DEBLUR_DETERMINISTIC=1`: static scheduling in `run`, so runs with the same thread count give
    /// identical results bit for bit (see `run`).
    /// Settable for tests; only the scheduling changes, never the result's correctness.
    nonisolated(unsafe) public static var deterministic: Bool = ["1", "true", "yes"].contains(ProcessInfo.processInfo.environment["DEBLUR_DETERMINISTIC"]?.lowercased() ?? "")

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current = -1

    /// Sets OpenBLAS's thread count if it differs from the last value set (the call is process-wide).
    public static func set(_ threads: Int) {
            lock.lock()
        defer { lock.unlock() }
        if current != threads {
            openblas_set_num_threads(Int32(threads))
            current = threads
        }
    }

    /// Runs `body(worker, i)` for `i in 0..<count`: serially with OpenBLAS multi-threaded
    /// (`parallelOverBatch == false`, worker always 0), or on `min(count, workerThreadCount)`
    /// `parallelFor` workers with OpenBLAS single-threaded. Workers take the next item from a
    /// shared counter (dynamic scheduling), so a worker slowed by another process on a shared
    /// machine simply does fewer items instead of holding everyone back.
    /// `worker` indexes per-worker scratch space.
    ///
    /// Dynamic scheduling makes training with more than one thread non-reproducible bit for bit: which
    /// worker handles which item varies from run to run, so the per-worker partial sums of weight and
    /// bias gradients are added in a varying grouping (float addition is not associative; measured:
    /// every tensor of a small U-Net differs after 20 steps on 2 threads, none on 1). With
    /// `DEBLUR_DETERMINISTIC=1` worker w takes items w, w + W, w + 2W, … instead: the same grouping on
    /// every run with the same thread count, at the price of the load balancing.
    public static func run(_ count: Int, parallelOverBatch: Bool, _ body: (_ worker: Int, _ index: Int) -> Void) {
        let workers = min(count, workerThreadCount)
        if parallelOverBatch && workers > 1 {
            set(1)
            if deterministic {
                parallelFor(workers, threads: workers) { w in
                    for i in stride(from: w, to: count, by: workers) { body(w, i) }
                }
                return
            }
            let counter = ItemCounter()
            parallelFor(workers, threads: workers) { w in
                while let i = counter.next(below: count) { body(w, i) }
            }
        } else {
            set(Self.count)
            for i in 0 ..< count { body(0, i) }
        }
    }
}

/// A shared "next item" counter for dynamic scheduling (items are milliseconds long; a lock is cheap).
final class ItemCounter: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = 0

    func next(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < count else { return nil }
        value += 1
        return value - 1
    }
}
