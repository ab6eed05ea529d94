// libFuzzer's coverage-guided engine on the fuzz targets of `FuzzTargets` (`make libfuzzer`, issue #28).
// The real program exists only in the instrumented build (`-sanitize=fuzzer -D DEBLUR_LIBFUZZER`,
// scripts/libfuzzer.sh); a plain `swift build` gets a stub that says how to build it.
//
//   DEBLUR_FUZZ_TARGET=png .build-libfuzzer/debug/deblur-libfuzzer CORPUS_COPY/ -max_total_time=300 -timeout=1
//
// An input that a target refuses with the wrong error (FuzzFailure) stops the run like a crash, so
// libFuzzer saves it as crash-…; a slower one than -timeout is saved as timeout-….
import Foundation
import FuzzTargets
import Fuzzing

#if DEBLUR_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

let chosenTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["DEBLUR_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("deblur-libfuzzer: set DEBLUR_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(name)').\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    chosenTarget.repair(&input)
    do { _ = try chosenTarget.check(input) } catch { fatalError("\(chosenTarget.rawValue): \(error)") }
    return 0
}

_ = chosenTarget
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, { testOneInput($0, $1) }))
#else
FileHandle.standardError.write(Data("deblur-libfuzzer is built by `make libfuzzer` (scripts/libfuzzer.sh: -sanitize=fuzzer); this is the uninstrumented stub.\n".utf8))
exit(2)
#endif
