import Foundation
import ImageCore

/// What `deblur degrade` made, written as `manifest.json` beside the images, so a result can be
/// traced to its exact inputs: the source file and its hash, the split side, the PSF and the noise.
public struct DegradationManifest: Codable, Sendable, Equatable {
    public struct PSFRecord: Codable, Sendable, Equatable {
        /// `gaussian`, `disk`, `motion`, `shake` or `file`.
        public var kind: String
        /// The spec string that reproduces the PSF (`motion:15,30`).
        public var spec: String
        public var parameters: [String: Double]
        /// Side length of the (square, odd) kernel in pixels.
        public var size: Int

        public init(kind: String, spec: String, parameters: [String: Double], size: Int) {
            self.kind = kind
            self.spec = spec
            self.parameters = parameters
            self.size = size
        }
    }

    public struct Item: Codable, Sendable, Equatable {
        /// Base file name used in `sharp/`, `blurred/` and `psf/` (always `.png`).
        public var file: String
        public var scene: String
        public var split: SplitSide
        public var source: String
        public var sourceSHA256: String
        public var sharpSHA256: String
        public var blurredSHA256: String
        public var psf: PSFRecord
        public var noiseSigma: Double
        public var poissonPeak: Double?
        /// Seed of this image's PSF draw and noise (derived from the run seed and the file name).
        public var seed: UInt64
        /// The scene's tags from the built-in set (`defocus`: large out-of-focus regions, where scores
        /// measure less; `texture`; `test`/`train` pins), sorted; nil for untagged datasets.
        public var sceneTags: [String]?

        public init(file: String, scene: String, split: SplitSide, source: String, sourceSHA256: String,
                    sharpSHA256: String, blurredSHA256: String, psf: PSFRecord, noiseSigma: Double,
                    poissonPeak: Double?, seed: UInt64, sceneTags: [String]? = nil) {
            self.file = file
            self.scene = scene
            self.split = split
            self.source = source
            self.sourceSHA256 = sourceSHA256
            self.sharpSHA256 = sharpSHA256
            self.blurredSHA256 = blurredSHA256
            self.psf = psf
            self.noiseSigma = noiseSigma
            self.poissonPeak = poissonPeak
            self.seed = seed
            self.sceneTags = sceneTags
        }
    }

    public var tool: String
    public var source: String
    public var layout: DatasetLayout
    public var seed: UInt64
    public var trainFraction: Double
    /// The `--psf` argument: a spec, or `mixed`.
    public var psf: String
    /// How borders were handled when blurring (`valid`: sharp is the centre the blur fully covers).
    public var boundary: String
    /// Which split sides were written (`train`, `test` or `all`).
    public var splitWritten: String
    public var items: [Item]

    public init(tool: String, source: String, layout: DatasetLayout, seed: UInt64, trainFraction: Double,
                psf: String, boundary: String, splitWritten: String, items: [Item]) {
        self.tool = tool
        self.source = source
        self.layout = layout
        self.seed = seed
        self.trainFraction = trainFraction
        self.psf = psf
        self.boundary = boundary
        self.splitWritten = splitWritten
        self.items = items
    }

    /// Pretty, key-sorted JSON written atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeAtomically(try encoder.encode(self), to: url)
    }

    public static func read(from url: URL) throws -> DegradationManifest {
        try JSONDecoder().decode(DegradationManifest.self, from: Data(contentsOf: url))
    }
}

/// A stable 64-bit FNV-1a hash of a string, used to derive per-image seeds that do not change
/// when other files are added to a folder.
public func stableHash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return h
}
