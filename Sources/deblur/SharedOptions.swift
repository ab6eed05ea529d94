import ArgumentParser
import Datasets
import Deconvolution
import Foundation
import Restoration
import Workbench

// Options several subcommands share, declared once and included with `@OptionGroup`.

/// `--data`: where the images come from.
struct DataOption: ParsableArguments {
    @Option(help: "builtin (the built-in photographs) or a dataset folder (sharp images, Kaggle, GoPro, good/bad frames, blurred/ + sharp/, a `deblur degrade` folder).")
    var data = "builtin"
}

/// `--noise` and `--seed` of synthetic degradation.
struct DegradationSeedOptions: ParsableArguments {
    @Option(help: "Gaussian noise σ of synthetic blur, in units of the [0,1] range.")
    var noise = 0.01

    @Option(help: "Seed of PSF draws and noise.")
    var seed: UInt64 = 0

    func validate() throws {
        guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be ≥ 0 (got \(noise)).") }
    }
}

/// `-o/--output`: the output folder.
struct OutputFolderOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output folder (created if missing).")
    var output: String

    var url: URL { URL(fileURLWithPath: output) }
}

/// `--param NAME=VALUE` (repeatable): a method's own parameters, as listed by `--help`.
struct MethodParameterOptions: ParsableArguments {
    @Option(name: .customLong("param"), help: ArgumentHelp("A method parameter NAME=VALUE (repeatable); the methods and their parameters are listed below.", valueName: "name=value"))
    var params: [String] = []

    /// The pairs as a dictionary.
    func pairs() throws -> [String: String] {
        var out: [String: String] = [:]
        for p in params {
            let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[0].isEmpty else { throw ValidationError("--param takes NAME=VALUE (got '\(p)').") }
            guard out[kv[0]] == nil else { throw ValidationError("--param \(kv[0]) is given twice.") }
            out[kv[0]] = kv[1]
        }
        return out
    }
}

/// Every registered method with its parameters, for `--help` texts.
func methodsHelp() -> String {
    MethodRegistry.entries.filter { $0.family != .input }.map(\.helpText).joined(separator: "\n")
}

extension SplitChoice: ExpressibleByArgument {}
extension PSFRows: ExpressibleByArgument {}

/// Maps a library error to the command line's words where it names something the user typed.
func commandLineError(_ error: Error) -> Error {
    switch error {
    case let RestorationError.unknownParameter(method, name, known):
        return ValidationError(known.isEmpty ? "\(method) takes no parameters (got \(name))."
            : "\(method) has no parameter \(name) (--\(name) or --param \(name)=…); its parameters: \(known.joined(separator: ", ")).")
    case let RestorationError.unknownMethod(name, known):
        return ValidationError("--method(s): unknown method '\(name)'; choose from \(known.joined(separator: ", ")).")
    case let WorkbenchError.badBaseline(message):
        return ValidationError("\(message) (deblur compare … --write-baseline FILE writes one).")
    default:
        return error
    }
}
extension BorderHandling: ExpressibleByArgument {}
