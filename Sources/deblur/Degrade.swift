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

    @Option(help: "A PSF spec (gaussian:2, disk:5, motion:15,30, shake:7, kernel.png), or a random family: mixed, defocus, motion, shake, gaussian.")
    var psf = "mixed"

    @Option(help: "Gaussian noise standard deviation, in units of the [0,1] range.")
    var noise = 0.01

    @Option(help: "Add Poisson (photon) noise with this many photons at full white (e.g. 1000).")
    var poisson: Double?

    @Flag(help: "Keep floating-point values instead of quantising to 8 bits (written PNGs must still be in [0,1]).")
    var noQuantize = false

    @Option(help: "Border handling of the synthetic blur: valid (crop to the fully covered centre) or reflect.")
    var boundary: DegradationBoundary = .valid

    @Option(help: "Seed for PSF draws and noise.")
    var seed: UInt64 = 0

    @Option(help: "Which side of the scene split to write: all, train or test.")
    var split: SplitChoice = .all

    @Option(help: "Seed of the scene split.")
    var splitSeed: UInt64 = 0

    @Option(help: "Fraction of scenes used for training.")
    var trainFraction = 0.8

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    @Option(help: "Also write a contact sheet (sharp | blurred | PSF, one row per image) to this PNG.")
    var contactSheet: String?

    func validate() throws {
        guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be ≥ 0 (got \(noise)).") }
        if let poisson { guard poisson > 0 else { throw ValidationError("--poisson must be > 0 photons (got \(poisson)).") } }
        guard trainFraction > 0, trainFraction < 1 else { throw ValidationError("--train-fraction must be between 0 and 1 (got \(trainFraction)).") }
        if let contactSheet, !contactSheet.lowercased().hasSuffix(".png") {
            throw ValidationError("--contact-sheet must name a .png file (got '\(contactSheet)').")
        }
        if PSFSampler(name: psf) == nil { _ = try PSF.parse(psf) }   // fail before any work
    }

    func run() throws {
        let dataset = try BuiltinData.resolve(source)
        guard !dataset.layout.hasRealPairs else {
            throw ValidationError("'\(source)' already holds blurred/sharp pairs (\(dataset.layout.rawValue) layout); degrade makes synthetic blur from a folder of sharp images.")
        }
        let sceneSplit = try SceneSplit(scenes: dataset.scenes, seed: splitSeed, trainFraction: trainFraction)
        let samples = sceneSplit.samples(of: dataset, side: split.side)
        guard !samples.isEmpty else { throw ValidationError("No images on the \(split.rawValue) side of the split of '\(source)'.") }
        let fixedPSF: PSF? = PSFSampler(name: psf) == nil ? try PSF.parse(psf) : nil
        let sampler = PSFSampler(name: psf)
        let options = DegradationOptions(noiseSigma: noise, poissonPeak: poisson, quantize: !noQuantize, boundary: boundary)
        let out = URL(fileURLWithPath: output)
        print("degrade: \(samples.count) image(s) from \(dataset.root) (\(split.rawValue) split), PSF \(psf), σ = \(noise)")

        var results = [Result<(DegradationManifest.Item, Degraded), Error>?](repeating: nil, count: samples.count)
        results.withUnsafeMutableBufferPointer { slots in
            parallelFor(samples.count) { i in
                slots[i] = Result {
                    try degradeOne(samples[i], side: sceneSplit.side(of: samples[i]), fixedPSF: fixedPSF,
                                   sampler: sampler, options: options, out: out)
                }
            }
        }
        var items: [DegradationManifest.Item] = []
        var rows: [[Image]] = []
        for result in results {
            let (item, degraded) = try result!.get()
            items.append(item)
            rows.append([degraded.sharp, degraded.blurred, degraded.psf.viewingImage()])
            print("  \(item.file): \(item.split.rawValue), \(item.psf.spec) (\(degraded.psf.width)×\(degraded.psf.height) kernel), \(degraded.blurred.width)×\(degraded.blurred.height)")
        }
        let manifest = DegradationManifest(
            tool: "deblur \(Deblur.configuration.version)", source: dataset.root, layout: dataset.layout, seed: seed,
            trainFraction: trainFraction, psf: psf, boundary: boundary.rawValue, splitWritten: split.rawValue, items: items)
        try manifest.write(to: out.appendingPathComponent("manifest.json"))
        print("wrote \(items.count) triplets and manifest.json to \(output)")
        if let contactSheet {
            let sheet = try Reporting.contactSheet(rows: rows, cellHeight: 192)
            try writeImage(sheet.clamped(to: 0 ... 1), to: contactSheet)
            print("wrote contact sheet (sharp | blurred | PSF) to \(contactSheet)")
        }
    }

    /// Reads, degrades and writes one image; returns its manifest row.
    func degradeOne(_ sample: Sample, side: SplitSide, fixedPSF: PSF?, sampler: PSFSampler?,
                    options: DegradationOptions, out: URL) throws -> (DegradationManifest.Item, Degraded) {
        let source = try readImage(at: sample.sharpPath)
        var rng = SeededRNG(seed: seed, stream: stableHash(sample.id))
        let kernel = try fixedPSF ?? sampler!.sample(&rng)
        let imageSeed = rng.next()
        let degraded = try degrade(source, psf: kernel, options: options, seed: imageSeed)
        let file = sample.id + ".png"
        let sharpPath = out.appendingPathComponent("sharp/\(file)").path
        let blurredPath = out.appendingPathComponent("blurred/\(file)").path
        try writeImage(degraded.sharp, to: sharpPath)
        try writeImage(degraded.blurred, to: blurredPath)
        var raw = kernel.weights
        let peak = raw.valueRange.upperBound
        for i in raw.pixels.indices { raw.pixels[i] /= peak }
        try writeImage(raw, to: out.appendingPathComponent("psf/\(file)").path, bitDepth: 16)
        let item = DegradationManifest.Item(
            file: file, scene: sample.scene, split: side, source: sample.sharpPath,
            sourceSHA256: try SHA256.hex(fileAt: sample.sharpPath),
            sharpSHA256: try SHA256.hex(fileAt: sharpPath), blurredSHA256: try SHA256.hex(fileAt: blurredPath),
            psf: .init(kind: kernel.kind.name, spec: kernel.spec, parameters: kernel.kind.parameters,
                       size: max(kernel.height, kernel.width)),
            noiseSigma: options.noiseSigma, poissonPeak: options.poissonPeak, seed: imageSeed)
        return (item, degraded)
    }
}

/// `--split` choices.
enum SplitChoice: String, ExpressibleByArgument, CaseIterable {
    case all, train, test
    var side: SplitSide? { self == .all ? nil : SplitSide(rawValue: rawValue) }
}

extension DegradationBoundary: ExpressibleByArgument {}
