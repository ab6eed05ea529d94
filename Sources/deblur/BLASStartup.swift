import Foundation
import Tensors

/// Start-up step of every `deblur` run, before any BLAS work: never run on OpenBLAS's generic
/// fallback kernels (`BLASCoreChoice`). When OpenBLAS picked a core below what the CPU offers, the
/// tool re-executes itself once with `OPENBLAS_CORETYPE` set (OpenBLAS reads it only when it loads),
/// checks a small sgemm against the naive product, and on a mismatch runs once more with OpenBLAS's
/// own choice and a warning. A user's own `OPENBLAS_CORETYPE` always wins.
enum BLASStartup {
    static let switchedKey = "DEBLUR_BLAS_SWITCHED", reasonKey = "DEBLUR_BLAS_REASON", failedKey = "DEBLUR_BLAS_SELFCHECK_FAILED"

    /// Why the running core is the one it is (for `deblur info` and benchmark records).
    static var reason: String {
        let env = ProcessInfo.processInfo.environment
        if let failed = env[failedKey] { return "chosen by OpenBLAS; \(failed) failed the sgemm self-check, so deblur kept OpenBLAS's choice" }
        if env[switchedKey] == "1", let r = env[reasonKey] { return r }
        switch BLASCoreChoice.decide(current: BLASKernels.coreName, cpu: .current, userSetting: env["OPENBLAS_CORETYPE"]) {
        case let .keep(reason), let .switchTo(_, reason): return reason
        }
    }

    /// `"cpu": …, "openblas_core": …` for every benchmark's JSON: figures name their machine.
    static var machineJSONFields: String {
        func quoted(_ text: String) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: [text], options: [])) ?? Data("[\"\"]".utf8)
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        return "\"cpu\": \(quoted(CPUDescription.current.summary)), \"openblas_core\": \(quoted(BLASKernels.coreName))"
    }

    static func apply() {
        let env = ProcessInfo.processInfo.environment
        if env[switchedKey] == "1" {
            let error = BLASCoreChoice.selfCheck()
            guard error > 1e-4 else { return }
            let core = env["OPENBLAS_CORETYPE"] ?? "?"
            FileHandle.standardError.write(Data("warning: OpenBLAS kernels \(core) computed a wrong product (relative error \(error)); running with OpenBLAS's own choice\n".utf8))
            unsetenv("OPENBLAS_CORETYPE")
            unsetenv(switchedKey)
            setenv(failedKey, core, 1)
            reexecute()
            return
        }
        if env[failedKey] != nil { return }
        guard case let .switchTo(core, reason) = BLASCoreChoice.decide(current: BLASKernels.coreName, cpu: .current,
                                                                      userSetting: env["OPENBLAS_CORETYPE"]) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(switchedKey, "1", 1)
        setenv(reasonKey, reason, 1)
        reexecute()
        // Only reached when exec failed: carry on with the generic kernels, and say so.
        FileHandle.standardError.write(Data("warning: could not restart with OPENBLAS_CORETYPE=\(core); running on OpenBLAS's generic kernels\n".utf8))
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(switchedKey)
    }

    /// Replaces this process with a fresh run of the same executable and arguments (returns only on failure).
    private static func reexecute() {
        var args = CommandLine.arguments.map { strdup($0) }
        args.append(nil)
        execv("/proc/self/exe", &args)
    }
}
