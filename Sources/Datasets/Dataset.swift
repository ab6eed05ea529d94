import Foundation

/// One restoration example: a sharp image and, for real-pair layouts, its blurred partner.
///
/// Synthetic layouts (a folder of sharp images, the built-in set) have no `blurredPath`: the
/// degradation step makes the blurred image. `scene` groups samples that show the same scene
/// (the triplets of the Kaggle set, the frames of one GoPro sequence); the split never separates a scene.
public struct Sample: Sendable, Equatable, Codable {
    /// Unique, stable name inside the dataset (used for output file names and result rows).
    public let id: String
    /// Scene key: all samples with the same key fall on the same side of the split.
    public let scene: String
    public let sharpPath: String
    public let blurredPath: String?
    /// `defocus` / `motion` for the Kaggle set, `real` for other real pairs, nil for synthetic.
    public let blurKind: String?

    public init(id: String, scene: String, sharpPath: String, blurredPath: String?, blurKind: String?) {
        self.id = id
        self.scene = scene
        self.sharpPath = sharpPath
        self.blurredPath = blurredPath
        self.blurKind = blurKind
    }
}

/// The folder layouts the workbench understands.
public enum DatasetLayout: String, Sendable, Codable, CaseIterable {
    /// A folder of sharp images; blur is synthesised (also the built-in set).
    case sharpFolder = "sharp-folder"
    /// Kaggle "blur dataset": `sharp/`, `defocused_blurred/`, `motion_blurred/`, files `ID_CAMERA_S|F|M.jpg`.
    case kaggle
    /// The paper's `good_frames/` (sharp) + `bad_frames/` (blurred), matched by file name.
    case goodBadFrames = "good-bad-frames"
    /// GoPro deblurring set: `SEQUENCE/blur/NAME` + `SEQUENCE/sharp/NAME` (optionally under `train/`, `test/`).
    case gopro
    /// Plain `blurred/` + `sharp/` folders matched by file name.
    case pairedFolders = "paired-folders"

    /// True when the layout carries its own blurred images (no synthetic degradation).
    public var hasRealPairs: Bool { self != .sharpFolder }
}

/// A loaded dataset: its samples (sorted by id) and any warnings a user must see.
public struct Dataset: Sendable {
    public let root: String
    public let layout: DatasetLayout
    public let samples: [Sample]
    /// Things that limit what the scores mean (e.g. the Kaggle triplets are not pixel-aligned).
    public let warnings: [String]

    /// Tags per scene from a `scenes.tsv` in the folder (the built-in set; see `SceneTag`); empty otherwise.
    public var sceneTags: [String: Set<String>] = [:]

    /// All distinct scene keys, sorted.
    public var scenes: [String] { Array(Set(samples.map(\.scene))).sorted() }
}

/// Errors from finding and reading dataset folders.
public enum DatasetError: LocalizedError, Equatable {
    case notFound(path: String)
    case notADirectory(path: String)
    case unknownLayout(path: String)
    case empty(path: String, layout: String)
    case unpaired(path: String, names: [String])
    case invalidFraction(Double)
    case alreadyBlurred(path: String, layout: String)
    case invalidDownscaleFactor(factor: Int, width: Int, height: Int)
    case photoListInvalid(line: Int, reason: String)
    case photoOriginalMissing(path: String)
    case photoChecksumMismatch(path: String, expected: String, actual: String)
    case photoSizeMismatch(path: String, expected: String, actual: String)

    public var errorDescription: String? {
        switch self {
        case let .notFound(path):
            return "Dataset folder '\(path)' does not exist. Pass an existing folder, or 'builtin' (run `make test` or scripts/fetch-data.sh once to install it)."
        case let .notADirectory(path):
            return "'\(path)' is a file, not a dataset folder. Pass the folder that holds the images "
                + "(for one photograph, a folder holding just that photograph)."
        case let .unknownLayout(path):
            return "Could not recognise the layout of '\(path)'. Expected one of: a folder of images; sharp/ + defocused_blurred/ + motion_blurred/ (Kaggle); good_frames/ + bad_frames/; SEQUENCE/blur/ + SEQUENCE/sharp/ (GoPro); blurred/ + sharp/."
        case let .empty(path, layout):
            return "No images (.png, .jpg, .jpeg) found in '\(path)' (layout \(layout)). Check the folder or its sub-folders."
        case let .unpaired(path, names):
            let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
            return "\(names.count) blurred image(s) in '\(path)' have no sharp partner with the same name: \(shown). Remove them or add the sharp images."
        case let .alreadyBlurred(path, layout):
            return "'\(path)' already holds blurred/sharp pairs (\(layout) layout); synthetic blur is made from a folder of sharp images."
        case let .invalidDownscaleFactor(factor, width, height):
            return "Cannot downscale a \(width)×\(height) image by a factor of \(factor): the factor must be at least 1 and at most the image's shorter side."
        case let .photoListInvalid(line, reason):
            return "scripts/photos.tsv line \(line): \(reason). Fix the line (columns are described in the file's header)."
        case let .photoOriginalMissing(path):
            return "The original photograph '\(path)' is missing. Run scripts/fetch-data.sh (or `make test`) to fetch it."
        case let .photoChecksumMismatch(path, expected, actual):
            return "The photograph '\(path)' has SHA-256 \(actual), but the list expects \(expected); it was refused. Delete it and run scripts/fetch-data.sh again, or update scripts/photos.tsv after checking the new file."
        case let .photoSizeMismatch(path, expected, actual):
            return "The photograph '\(path)' is \(actual) pixels, but the list records \(expected). Update scripts/photos.tsv (size and factor) after checking the file."
        case let .invalidFraction(f):
            return "The training fraction must be strictly between 0 and 1, got \(f)."
        }
    }
}
