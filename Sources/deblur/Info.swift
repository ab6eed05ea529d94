import ArgumentParser
import CBLAS
import CFFTW
import CPNG
import CTurboJPEG
import ImageCore
import Tensors

/// `deblur info`: native library versions and thread settings, for bug reports and benchmark tables.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the versions of FFTW, OpenBLAS, libpng and libjpeg-turbo, and the thread settings.")

    func run() throws {
        for (name, value) in Info.report() {
            print("\(name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(value)")
        }
    }

    /// Name/value pairs describing the native libraries and threads (also used in report manifests).
    static func report() -> [(String, String)] {
        let jpegNumber = Int(deblur_turbojpeg_version_number())
        let jpeg = jpegNumber == 0 ? "unknown (built without jconfig.h)"
            : "\(jpegNumber / 1_000_000).\(jpegNumber / 1000 % 1000).\(jpegNumber % 1000)"
        return [
            ("FFTW", String(cString: deblur_fftwf_version())),
            ("CPU", CPUDescription.current.summary),
            ("OpenBLAS", String(cString: openblas_get_config())),
            ("OpenBLAS core", "\(BLASKernels.coreName): \(BLASStartup.reason)"),
            ("OpenBLAS threads", "\(openblas_get_num_threads())"),
            ("libpng", String(cString: png_get_libpng_ver(nil))),
            ("libjpeg-turbo", jpeg),
            ("worker threads", "\(workerThreadCount) (parallelFor; set DEBLUR_THREADS to change)"),
            // In comparison manifests too: fused multiply-adds change results in the last bits.
            ("numeric modules", builtForNativeCPU
                ? "for this machine's CPU (-target-cpu native; DEBLUR_PORTABLE_BUILD=1 for any x86-64)"
                : "portable (DEBLUR_PORTABLE_BUILD was set: baseline target, no AVX or FMA in Swift code)"),
        ]
    }
}
