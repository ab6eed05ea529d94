import ArgumentParser
import Foundation

/// `deblur` — restore blurred photographs with classical deconvolution and learned CNNs,
/// and score them honestly. Each subcommand lives in its own file.
@main
struct Deblur: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deblur",
        abstract: "Restore blurred photographs (classical deconvolution and CNNs) and score them honestly.",
        discussion: """
        PSF specs, used wherever a blur kernel is asked for:
          gaussian:SIGMA        Gaussian blur, SIGMA in pixels (e.g. gaussian:2)
          disk:RADIUS           defocus, anti-aliased pillbox like MATLAB fspecial('disk')
          motion:LENGTH,ANGLE   linear motion, LENGTH px, ANGLE degrees counter-clockwise
          shake:SEED            random camera-shake trajectory (Boracchi & Foi 2012 style)
          path/to/kernel.png    a kernel image (normalised to sum 1)
        """,
        version: "0.1.0",
        subcommands: [
            Info.self,
            PSFCommand.self,
            Degrade.self,
            Restore.self,
            Train.self,
            Compare.self,
            Merge.self,
            ModelsCommand.self,
            Score.self,
            Bench.self,
            Serve.self,
            LessonCommand.self,
            EstimatePSF.self,
            PSFStudy.self,
            Denoise.self,
            Fuzz.self,
        ]
    )

    /// `--name -3` rewritten as `--name=-3`: ArgumentParser reads a token starting with `-` as an option,
    /// so `--sigma -3` would be "missing value for '--sigma'" instead of the option's own range check.
    /// Only a long option (no `=` yet) followed by a number is joined, and nothing after `--`.
    static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { return out + arguments[i...] }
            if a.hasPrefix("--"), a.count > 2, !a.contains("="), i + 1 < arguments.count,
               arguments[i + 1].hasPrefix("-"), Double(arguments[i + 1]) != nil {
                out.append(a + "=" + arguments[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }

    /// Chooses the OpenBLAS kernels (`BLASStartup`), then parses and runs as ArgumentParser's `main`.
    static func main() async {
        BLASStartup.apply()
        do {
            var command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
