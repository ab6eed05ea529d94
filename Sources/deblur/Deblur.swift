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

    /// Chooses the OpenBLAS kernels (`BLASStartup`), then parses and runs as ArgumentParser's `main`.
    static func main() async {
        BLASStartup.apply()
        do {
            var command = try parseAsRoot()
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
