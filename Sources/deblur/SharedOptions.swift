import ArgumentParser
import Datasets
import Deconvolution
import Foundation
import ImageCore
import ImageIO
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

/// `--max-megapixels`: the decoded size above which an input image is refused before any pixel is
/// decoded (a small PNG can declare 100 megapixels: 1.2 GB per Float32 RGB copy, several copies per
/// restoration). The error names the file, its size and this option.
struct PixelLimitOption: ParsableArguments {
    @Option(help: "Refuse input images larger than this many megapixels (checked from the header, before decoding).")
    var maxMegapixels: Double = 40

    func validate() throws {
        guard maxMegapixels > 0, maxMegapixels.isFinite else { throw ValidationError("--max-megapixels must be a positive number.") }
    }

    var maxPixels: Int { Int(min(maxMegapixels * 1e6, Double(Int.max / 2))) }

    /// Reads an image within the limit; over it, the error says how to raise the limit. Transparency
    /// is composited over black, with a note on stderr (it never disappears silently).
    func read(_ path: String) throws -> Image {
        do {
            let image = try readImage(at: path, maxPixels: maxPixels)
            if (try? readImageHeader(at: path))?.hasAlpha == true {
                FileHandle.standardError.write(Data("note: '\(path)' has transparency (alpha); it was composited over black.\n".utf8))
            }
            return image
        } catch let ImageIOError.tooManyPixels(name, width, height, _) {
            let megapixels = Double(width) * Double(height) / 1e6
            throw ValidationError("Image '\(name)' is \(width)×\(height) (\(String(format: "%.1f", megapixels)) megapixels), over the limit of "
                + "\(String(format: "%g", maxMegapixels)) megapixels. If the image is genuine, raise the limit with "
                + "--max-megapixels \(String(format: "%g", (megapixels * 10).rounded(.up) / 10)); otherwise the file may be a decompression bomb.")
        }
    }
}
