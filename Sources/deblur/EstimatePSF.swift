import ArgumentParser
import Blur
import Foundation
import ImageCore
import ImageIO
import PSFEstimation

extension PSFModelKind: ExpressibleByArgument {}

/// `deblur estimate-psf INPUT --model motion|defocus|gaussian|blind [--size K] -o psf.png [--json]`.
struct EstimatePSF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate-psf",
        abstract: "Estimate the blur kernel (PSF) of a blurred photograph.",
        discussion: """
        Models (y = h ∗ x + n; colour images are analysed in BT.601 luma):
          motion     linear motion: angle and length from the cepstrum, refined by fitting the
                     power spectrum (--size bounds the length)
          defocus    uniform disk: radius from the spectrum's zero rings
          gaussian   Gaussian: σ from the curvature of the log power spectrum
          blind      camera shake: multi-scale alternating estimation with an L0 gradient prior
                     (Pan et al. 2014 / Xu et al. 2013 class); --size is the odd kernel side (default 31)
        The PSF is written as a 16-bit PNG of weight / max weight at its own size (read back as a
        PSF it renormalises to sum 1), or enlarged for viewing with --view.
        --json prints {"model": …, "length": …, "angle": …, "radius": …, "sigma": …, "confidence": …}
        with the fields that apply; angle is in degrees counter-clockwise from the horizontal.

        Examples:
          deblur estimate-psf blurred.png --model motion -o psf.png --json
          deblur estimate-psf shaken.jpg --model blind --size 25 -o kernel.png
        """)

    @Argument(help: "The blurred image (PNG or JPEG).")
    var input: String

    @OptionGroup var pixelLimit: PixelLimitOption

    @Option(help: "PSF model: motion, defocus, gaussian or blind.")
    var model: PSFModelKind

    @Option(help: "Kernel side for blind (odd, 3–151; default 31); upper bound on the length for motion.")
    var size: Int?

    @Option(name: .shortAndLong, help: "Output PNG for the PSF.")
    var output: String

    @Flag(help: "Print the estimate as one line of JSON.")
    var json = false

    @Flag(help: "Write an enlarged, max-normalised viewing image instead of the raw 16-bit kernel.")
    var view = false

    @Flag(help: "Blind only: the photo is a page of dark text on light paper (adds Pan et al. 2014's L0 intensity prior to the latent step).")
    var document = false

    @Option(help: "Seed (blind only: perturbs the initial kernel).")
    var seed: UInt64 = 0

    func validate() throws {
        guard output.lowercased().hasSuffix(".png") else {
            throw ValidationError("--output must end in .png (got '\(output)'); PSFs are written as PNG.")
        }
        if let size, size < 3 || size > 151 {
            throw ValidationError("--size must be from 3 to 151 pixels (got \(size)).")
        }
        if document && model != .blind {
            throw ValidationError("--document applies to --model blind only (got --model \(model.rawValue)).")
        }
    }

    func run() throws {
        if model == .blind, let size, size % 2 == 0 {
            FileHandle.standardError.write(Data("note: a kernel needs a centre pixel; using side \(size + 1) instead of \(size)\n".utf8))
        }
        let image = try pixelLimit.read(input)
        let estimate = try estimatePSF(image, model: model, kernelSize: size, seed: seed, document: document)
        try writeImage(view ? estimate.psf.viewingImage() : estimate.psf.peakNormalized, to: output, bitDepth: view ? 8 : 16)
        if json {
            print(estimate.json)
        } else {
            var parts: [String] = []
            if let l = estimate.length { parts.append(String(format: "length %.2f px", l)) }
            if let a = estimate.angle { parts.append(String(format: "angle %.2f°", a)) }
            if let r = estimate.radius { parts.append(String(format: "radius %.2f px", r)) }
            if let s = estimate.sigma { parts.append(String(format: "σ %.2f px", s)) }
            parts.append(String(format: "confidence %.2f", estimate.confidence))
            print("\(model.rawValue): " + parts.joined(separator: ", ") + " — \(estimate.psf.width)×\(estimate.psf.height) kernel")
            print("wrote \(output)\(view ? " (for viewing)" : " (16-bit, weight / max weight)")")
        }
    }
}
