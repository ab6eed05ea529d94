import Blur
import Datasets
import Foundation
import ImageCore
import ImageIO

/// One comparison case: a blurred image, its sharp reference and (when known) the true PSF.
public struct TestCase: Sendable {
    public let id: String
    public let scene: String
    /// defocus, motion, shake, gaussian (synthetic, named after the PSF family), or the dataset's own kind.
    public let blurKind: String
    public let psf: PSF?
    public let blurred: Image
    public let sharp: Image
}

/// A case before its pixels are read and degraded (cheap to list, shard and skip).
public struct CaseSpec: Sendable, Equatable {
    public let id: String
    public let scene: String
    public let blurKind: String
    /// The PSF spec (synthetic and manifest cases); nil for real blur.
    public let psfSpec: String?
    let sharpPath: String
    let blurredPath: String?
    /// Degradation seed for synthetic cases (noise), nil when the blurred image is read from disk.
    let degradationSeed: UInt64?
    let noiseSigma: Double

    /// Reads (and for synthetic cases degrades) the images.
    public func load() throws -> TestCase {
        let psf = try psfSpec.map { try PSF.parse($0) }
        let source = try readImage(at: sharpPath)
        if let blurredPath {
            let blurred = try readImage(at: blurredPath)
            guard blurred.width == source.width, blurred.height == source.height, blurred.channels == source.channels else {
                throw WorkbenchError.sizeMismatch(blurred: blurredPath, blurredShape: blurred.shapeDescription,
                                                  sharp: sharpPath, sharpShape: source.shapeDescription)
            }
            return TestCase(id: id, scene: scene, blurKind: blurKind, psf: psf, blurred: blurred, sharp: source)
        }
        let degraded = try degrade(source, psf: psf!, options: DegradationOptions(noiseSigma: noiseSigma), seed: degradationSeed!)
        return TestCase(id: id, scene: scene, blurKind: blurKind, psf: psf, blurred: degraded.blurred, sharp: degraded.sharp)
    }
}

/// Which cases a comparison runs.
public struct CaseSelection: Sendable, Equatable, Codable {
    /// `builtin` or a folder.
    public var data: String = "builtin"
    /// test, train or all (scene split, seed `splitSeed`).
    public var split: SplitChoice = .test
    public var splitSeed: UInt64 = 0
    /// Synthetic blur for sharp-only data: `mixed` (every image once per family), a family, or a PSF spec.
    public var blur: String = "mixed"
    public var noiseSigma: Double = 0.01
    /// Seed of PSF draws and noise.
    public var seed: UInt64 = 0
    public var limit: Int? = nil
    /// Only these scenes of the split (nil: all of them), e.g. the two test scenes of earlier rounds.
    public var scenes: [String]? = nil
    public init() {}
}

public enum CaseListing {
    static let families: [BlurFamily] = [.defocus, .motion, .shake, .gaussian]

    /// Lists the cases of `selection` in a stable order (by id). Synthetic cases draw their PSF
    /// from `SeededRNG(seed:stream: stableHash("ID/FAMILY"))`, so a case depends only on the seed
    /// and its own name — the same on every machine and in every shard.
    /// - Throws: a clear error for a bad path, an empty dataset or selection, or a bad blur option.
    public static func list(_ s: CaseSelection) throws -> (specs: [CaseSpec], dataset: Dataset) {
        let dataset = try BuiltinData.resolve(s.data)
        guard !dataset.samples.isEmpty else { throw WorkbenchError.emptyDataset(root: dataset.root) }
        let side = s.split.side
        let split = try SceneSplit(dataset: dataset, seed: s.splitSeed)   // uses the built-in set's scene tags
        var samples = split.samples(of: dataset, side: side)
        if let wanted = s.scenes {
            let present = Set(samples.map(\.scene))
            let unknown = wanted.filter { !present.contains($0) }
            guard unknown.isEmpty else { throw WorkbenchError.unknownScenes(unknown, split: s.split, known: present.sorted()) }
            samples = samples.filter { wanted.contains($0.scene) }
        }
        guard !samples.isEmpty else { throw WorkbenchError.emptySplit(split: s.split, root: dataset.root) }
        var specs: [CaseSpec] = []
        if dataset.layout.hasRealPairs {
            // A folder written by `deblur degrade` carries its PSFs in manifest.json.
            let manifestURL = URL(fileURLWithPath: dataset.root).appendingPathComponent("manifest.json")
            let manifest = try? DegradationManifest.read(from: manifestURL)
            for sample in samples {
                guard let blurredPath = sample.blurredPath else { continue }
                let file = URL(fileURLWithPath: sample.sharpPath).lastPathComponent
                let item = manifest?.items.first { $0.file == file }
                let kind = item.map { familyName(kind: $0.psf.kind) } ?? sample.blurKind ?? "real"
                specs.append(CaseSpec(id: sample.id, scene: sample.scene, blurKind: kind, psfSpec: item?.psf.spec,
                                      sharpPath: sample.sharpPath, blurredPath: blurredPath, degradationSeed: nil, noiseSigma: 0))
            }
        } else {
            let families: [BlurFamily]?
            var fixed: String? = nil
            if s.blur == "mixed" { families = Self.families } else if let f = BlurFamily(rawValue: s.blur) { families = [f] } else {
                fixed = (try PSF.parse(s.blur)).spec
                families = nil
            }
            for sample in samples {
                if let fixed {
                    var rng = SeededRNG(seed: s.seed, stream: stableHash(sample.id))
                    specs.append(CaseSpec(id: sample.id, scene: sample.scene, blurKind: familyName(kind: try PSF.parse(fixed).kind.name),
                                          psfSpec: fixed, sharpPath: sample.sharpPath, blurredPath: nil,
                                          degradationSeed: rng.next(), noiseSigma: s.noiseSigma))
                    continue
                }
                for family in families! {
                    let id = families!.count > 1 ? "\(sample.id)~\(family.rawValue)" : sample.id
                    var rng = SeededRNG(seed: s.seed, stream: stableHash("\(sample.id)/\(family.rawValue)"))
                    let psf = try PSFSampler(families: [family]).sample(&rng)
                    specs.append(CaseSpec(id: id, scene: sample.scene, blurKind: family.rawValue, psfSpec: psf.spec,
                                          sharpPath: sample.sharpPath, blurredPath: nil, degradationSeed: rng.next(),
                                          noiseSigma: s.noiseSigma))
                }
            }
        }
        specs.sort { $0.id < $1.id }
        if let limit = s.limit { specs = Array(specs.prefix(max(limit, 0))) }
        guard !specs.isEmpty else { throw WorkbenchError.noCases(dataset.root) }
        return (specs, dataset)
    }

    /// PSF kind → blur family name (`disk` is defocus).
    public static func familyName(kind: String) -> String {
        switch kind {
        case "disk": return "defocus"
        case "gaussian", "motion", "shake": return kind
        default: return kind
        }
    }
}

/// `I/N`: this shard takes cases `I−1, I−1+N, …` of the sorted list.
public struct Shard: Sendable, Equatable, Codable {
    public let index: Int, count: Int
    public init(_ text: String) throws {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, parts[0] >= 1, parts[0] <= parts[1] else { throw WorkbenchError.badShard(text) }
        index = parts[0]
        count = parts[1]
    }
    public func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }
}
