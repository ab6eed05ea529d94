import ArgumentParser
import Blur
import Foundation
import ImageCore
import ImageIO

/// `deblur psf SPEC -o psf.png`: render a PSF to look at, or its exact weights with `--raw`.
struct PSFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psf",
        abstract: "Render a PSF (blur kernel) as an image.",
        discussion: """
        By default the kernel is scaled so its largest weight is white and enlarged (nearest \
        neighbour) to at least 256 pixels, for viewing. With --raw the file holds the kernel at \
        its own size as a 16-bit PNG of weight / max(weight); reading it back as a PSF \
        renormalises to sum 1, so the kernel is recovered to about 1e-5.

        Examples:
          deblur psf disk:5 -o disk.png
          deblur psf motion:15,30 --raw -o motion.png
        """)

    @Argument(help: "PSF spec: gaussian:SIGMA, disk:RADIUS, motion:LENGTH,ANGLE, shake:SEED, or a kernel image path.")
    var spec: String

    @Option(name: .shortAndLong, help: "Output PNG file.")
    var output: String

    @Flag(help: "Write the exact weights (16-bit PNG, divided by the largest weight) instead of a viewing image.")
    var raw = false

    func validate() throws {
        guard output.lowercased().hasSuffix(".png") else {
            throw ValidationError("--output must end in .png (got '\(output)'); PSFs are written as PNG.")
        }
    }

    func run() throws {
        let psf = try PSF.parse(spec)
        let peak = psf.weights.valueRange.upperBound
        if raw {
            try writeImage(psf.peakNormalized, to: output, bitDepth: 16)
        } else {
            try writeImage(psf.viewingImage(), to: output)
        }
        print("\(psf.spec): \(psf.width)×\(psf.height) kernel, weights sum to 1, largest weight \(peak)")
        print("wrote \(output)\(raw ? " (16-bit, weight / \(peak))" : " (for viewing: max-normalised, enlarged)")")
    }
}
