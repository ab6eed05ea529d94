import ArgumentParser
import Blur
import Datasets
import Foundation
import ImageCore
import ImageIO
import Reporting

/// `deblur degrade`: make an honest synthetic test set from sharp photographs.
struct Degrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Blur sharp images honestly (no inverse crime), add noise, and write sharp/blurred/psf triplets.",
        discussion: """
        For each sharp image: draw or build the PSF, convolve keeping only the valid centre (so no \
        border assumption enters the data; the sharp target is cropped to match), add Poisson \
        (optional) and Gaussian noise, then quantise to 8 bits. Writes OUTDIR/sharp/, \
        OUTDIR/blurred/, OUTDIR/psf/ (same base names, PNG; PSFs as 16-bit weight/max) and \
        OUTDIR/manifest.json (file, hashes, split, PSF and noise of every image).

        The split is by scene, seeded (--split-seed), 80/20 by default; each image's PSF and noise \
        are drawn from a seed derived from --seed and its file name.

        Examples:
          deblur degrade builtin --psf mixed --seed 0 -o Data/synthetic
          deblur degrade photos/ --psf motion:15,30 --noise 0.02 --split test -o out/
        """)

    @Argument(help: "A folder of sharp images, or 'builtin' for the built-in photographs.")
    var source: String

    @Option(help: "A PSF spec (gaussian:2, disk:5, motion:15,30, shake:7, kernel.png), or a random family: \(PSFSampler.acceptedNames).")
    var psf = "mixed"

    @OptionGroup var degradation: DegradationSeedOptions

    @Option(help: "Add Poisson (photon) noise with this many photons at full white (e.g. 1000).")
    var poisson: Double?

    @Flag(help: "Keep floating-point values instead of quantising to 8 bits (written PNGs must still be in [0,1]).")
    var noQuantize = false

    @Option(help: "Border handling of the synthetic blur: valid (crop to the fully covered centre) or reflect.")
    var boundary: DegradationBoundary = .valid

    @Option(help: "Which side of the scene split to write: all, train or test.")
    var split: SplitChoice = .all

    @Option(help: "Seed of the scene split.")
    var splitSeed: UInt64 = 0

    @Option(help: "Fraction of scenes used for training.")
    var trainFraction = 0.8

    @OptionGroup var out: OutputFolderOption

    @Option(help: "Also write a contact sheet (sharp | blurred | PSF, one row per image) to this PNG.")
    var contactSheet: String?

    func validate() throws {
        if let poisson { guard poisson > 0 else { throw ValidationError("--poisson must be > 0 photons (got \(poisson)).") } }
        guard trainFraction > 0, trainFraction < 1 else { throw ValidationError("--train-fraction must be between 0 and 1 (got \(trainFraction)).") }
        if let contactSheet, !contactSheet.lowercased().hasSuffix(".png") {
            throw ValidationError("--contact-sheet must name a .png file (got '\(contactSheet)').")
        }
        if PSFSampler(name: psf) == nil { _ = try PSF.parse(psf) }   // fail before any work
    }

    func run() throws {
        let dataset = try BuiltinData.resolve(source)
        let sceneSplit = try SceneSplit(dataset: dataset, seed: splitSeed, trainFraction: trainFraction)
        let options = DegradationOptions(noiseSigma: degradation.noise, poissonPeak: poisson, quantize: !noQuantize, boundary: boundary)
        print("degrade: \(sceneSplit.samples(of: dataset, side: split.side).count) image(s) from \(dataset.root) (\(split.rawValue) split), PSF \(psf), σ = \(degradation.noise)")
        let (manifest, degraded) = try writeSyntheticSet(
            from: dataset, psf: psf, options: options, seed: degradation.seed, split: sceneSplit, side: split.side,
            to: out.url, tool: "deblur \(Deblur.configuration.version)")
        for (item, d) in zip(manifest.items, degraded) {
            print("  \(item.file): \(item.split.rawValue), \(item.psf.spec) (\(d.psf.width)×\(d.psf.height) kernel), \(d.blurred.width)×\(d.blurred.height)")
        }
        print("wrote \(manifest.items.count) triplets and manifest.json to \(out.output)")
        if let contactSheet {
            let sheet = try Reporting.contactSheet(rows: degraded.map { [$0.sharp, $0.blurred, $0.psf.viewingImage()] }, cellHeight: 192)
            try writeImage(sheet.clamped(to: 0 ... 1), to: contactSheet)
            print("wrote contact sheet (sharp | blurred | PSF) to \(contactSheet)")
        }
    }
}

extension DegradationBoundary: ExpressibleByArgument {}
