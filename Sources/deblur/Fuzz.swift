import ArgumentParser
import Foundation
import FuzzTargets
import Fuzzing

/// `deblur fuzz`: runs the parsers and decoders that face users on mutated inputs (a seeded mutation
/// fuzzer; see `Fuzzing.Mutator`) and reports executions, time, hangs and wrongly typed refusals.
struct Fuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fuzz the parsers and decoders that read users' input (PNG, JPEG, PSF specs, multipart, safetensors, MAT).",
        discussion: """
        Each target starts from the seed corpus (Tests/Fuzz/corpus/TARGET) and runs mutations of it: \
        every input must be accepted or refused with the target's own error type naming the input — \
        anything else is reported; a crash stops the process with the input left in \
        OUTPUT/TARGET.current; an input slower than --hang-seconds is saved as a hang.

        Examples:
          deblur fuzz all --seconds 60                # make fuzz
          deblur fuzz png --executions 1000000 --seed 7
        """)

    static let targets = FuzzTarget.allCases.map(\.rawValue)

    @Argument(help: "png, jpeg, psf-spec, multipart, safetensors, mat, or all.")
    var target: String

    @Option(help: "Stop each target after this many executions.")
    var executions = 1_000_000

    @Option(help: "Stop each target after this many seconds.")
    var seconds = 60.0

    @Option(help: "Seed of the mutations.")
    var seed: UInt64 = 1

    @Option(help: "An execution slower than this is reported as a hang.")
    var hangSeconds = 1.0

    @Option(help: "Seed corpus folder (one sub-folder per target).")
    var corpus = "Tests/Fuzz/corpus"

    @Option(name: .shortAndLong, help: "Folder for the current input (crash evidence) and hangs.")
    var output = ".build/fuzz"

    func validate() throws {
        guard target == "all" || Self.targets.contains(target) else {
            throw ValidationError("'\(target)' is not a fuzz target: choose \(Self.targets.joined(separator: ", ")) or all.")
        }
        guard executions > 0, seconds > 0, hangSeconds > 0 else { throw ValidationError("--executions, --seconds and --hang-seconds must be positive.") }
    }

    func run() throws {
        let out = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var failed = false
        for name in target == "all" ? Self.targets : [target] {
            let seeds = try Self.seeds(URL(fileURLWithPath: corpus).appendingPathComponent(name))
            let report = Self.run(name, seeds: seeds, seed: seed, executions: executions, seconds: seconds, hangLimit: hangSeconds,
                                  current: out.appendingPathComponent("\(name).current"))
            print(String(format: "%-12@ %9d executions in %6.1f s (%8.0f/s), %5.1f%% accepted, slowest %.3f s, %d hangs, %d wrong refusals",
                         name as NSString, report.executions, report.seconds, Double(report.executions) / report.seconds,
                         100 * Double(report.accepted) / Double(max(1, report.executions)), report.slowest, report.hangs.count, report.failures.count))
            for (i, hang) in report.hangs.enumerated() {
                let file = out.appendingPathComponent("\(name)-hang-\(i)")
                try Data(base64Encoded: hang)?.write(to: file)
                print("  hang: \(file.path)")
            }
            for failure in report.failures { print("  wrong refusal: \(failure)") }
            failed = failed || !report.hangs.isEmpty || !report.failures.isEmpty
        }
        if failed { throw ExitCode(1) }
    }

    /// The files of a corpus folder, in name order.
    static func seeds(_ folder: URL) throws -> [[UInt8]] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            throw ValidationError("No seed corpus at \(folder.path) (run from the repository's root or give --corpus).")
        }
        return try names.sorted().filter { !$0.hasPrefix(".") }.map { [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    /// One target run by the seeded mutation driver.
    static func run(_ name: String, seeds: [[UInt8]], seed: UInt64, executions: Int, seconds: Double, hangLimit: Double = 1,
                    current: URL? = nil) -> FuzzReport {
        let target = FuzzTarget(rawValue: name)!
        return fuzz(target: name, corpus: seeds, seed: seed, executions: executions, seconds: seconds, hangLimit: hangLimit, current: current,
                    repair: target.repair, target.check)
    }
}
