import Blur
import Foundation
import ImageCore
import ImageIO

/// Writes a synthetic test set: for each sharp sample on the chosen side of the split, draw or
/// build the PSF, degrade (`Blur.degrade`, no inverse crime), and write `sharp/NAME.png`,
/// `blurred/NAME.png`, `psf/NAME.png` (16-bit, weight / max) under `folder`, then `manifest.json`
/// (written last, so a folder with a manifest is complete).
///
/// Each image's PSF draw and noise come from `SeededRNG(seed:stream: stableHash(id))`, so an
/// image's degradation depends only on the run seed and its own name. Images are processed in
/// parallel (`parallelFor`; each FFT then runs single-threaded at these sizes or uses FFTW's
/// threads for large images).
///
/// - Parameters:
///   - psf: a PSF spec, or a family for random draws (`mixed`, `defocus`, `motion`, `shake`, `gaussian`).
///   - side: which side of `split` to write (nil: all).
///   - tool: recorded in the manifest (e.g. "deblur 0.1.0").
/// - Returns: the manifest and the degraded images, in dataset order.
/// - Throws: `DatasetError` for real-pair layouts or an empty selection; image, PSF and write errors.
public func writeSyntheticSet(from dataset: Dataset, psf: String, options: DegradationOptions, seed: UInt64,
                              split: SceneSplit, side: SplitSide?, to folder: URL,
                              tool: String) throws -> (manifest: DegradationManifest, degraded: [Degraded]) {
    guard !dataset.layout.hasRealPairs else { throw DatasetError.alreadyBlurred(path: dataset.root, layout: dataset.layout.rawValue) }
    let samples = split.samples(of: dataset, side: side)
    guard !samples.isEmpty else { throw DatasetError.empty(path: dataset.root, layout: "\(dataset.layout.rawValue), \(side?.rawValue ?? "all") split") }
    let sampler = PSFSampler(name: psf)
    let fixed: PSF? = sampler == nil ? try PSF.parse(psf) : nil

    var results = [Result<(DegradationManifest.Item, Degraded), Error>?](repeating: nil, count: samples.count)
    results.withUnsafeMutableBufferPointer { slots in
        parallelFor(samples.count) { i in
            slots[i] = Result {
                let sample = samples[i]
                let source = try readImage(at: sample.sharpPath)
                var rng = SeededRNG(seed: seed, stream: stableHash(sample.id))
                let kernel = try fixed ?? sampler!.sample(&rng)
                let imageSeed = rng.next()
                let degraded = try degrade(source, psf: kernel, options: options, seed: imageSeed)
                let item = try writeDegradedCase(
                    sharp: degraded.sharp, blurred: degraded.blurred, psf: kernel, file: sample.id + ".png", to: folder,
                    scene: sample.scene, split: split.side(of: sample), source: sample.sharpPath,
                    noiseSigma: options.noiseSigma, poissonPeak: options.poissonPeak, seed: imageSeed,
                    sceneTags: dataset.sceneTags[sample.scene].map { $0.sorted() })
                return (item, degraded)
            }
        }
    }
    let done = try results.map { try $0!.get() }
    let manifest = DegradationManifest(
        tool: tool, source: dataset.root, layout: dataset.layout, seed: seed, trainFraction: split.trainFraction,
        psf: psf, boundary: options.boundary.rawValue, splitWritten: side?.rawValue ?? "all", items: done.map(\.0))
    try manifest.write(to: folder.appendingPathComponent("manifest.json"))
    return (manifest, done.map(\.1))
}

/// Writes one case as `sharp/FILE`, `blurred/FILE` (as given) and `psf/FILE` (16-bit, weight / max)
/// under `folder`, and returns its manifest item with the files' SHA-256.
public func writeDegradedCase(sharp: Image, blurred: Image, psf: PSF, file: String, to folder: URL,
                              scene: String, split: SplitSide, source: String, noiseSigma: Double, poissonPeak: Double?,
                              seed: UInt64, sceneTags: [String]?) throws -> DegradationManifest.Item {
    let sharpPath = folder.appendingPathComponent("sharp/\(file)").path
    let blurredPath = folder.appendingPathComponent("blurred/\(file)").path
    try writeImage(sharp, to: sharpPath)
    try writeImage(blurred, to: blurredPath)
    try writeImage(psf.peakNormalized, to: folder.appendingPathComponent("psf/\(file)").path, bitDepth: 16)
    return DegradationManifest.Item(
        file: file, scene: scene, split: split, source: source, sourceSHA256: try SHA256.hex(fileAt: source),
        sharpSHA256: try SHA256.hex(fileAt: sharpPath), blurredSHA256: try SHA256.hex(fileAt: blurredPath),
        psf: .init(kind: psf.kind.name, spec: psf.spec, parameters: psf.kind.parameters, size: max(psf.height, psf.width)),
        noiseSigma: noiseSigma, poissonPeak: poissonPeak, seed: seed, sceneTags: sceneTags)
}
