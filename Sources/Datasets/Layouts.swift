import Foundation

/// Image file extensions the loaders pick up (case-insensitive).
public let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

/// Finds the layout of `path` and lists its samples.
///
/// Detection order: Kaggle (`sharp/` with `defocused_blurred/` or `motion_blurred/`), paired
/// `blurred/` + `sharp/`, `good_frames/` + `bad_frames/`, GoPro (any `X/blur/` + `X/sharp/`,
/// also under `train/` or `test/`), and finally a plain folder of images.
/// - Throws: `DatasetError` when the folder is missing, unrecognised, empty, or has unpaired files.
public func loadDataset(at path: String) throws -> Dataset {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw DatasetError.notFound(path: path) }
    guard isDir.boolValue else { throw DatasetError.notADirectory(path: path) }
    let root = URL(fileURLWithPath: path)
    let sub = Set(subdirectories(of: root))
    if sub.contains("sharp") && (sub.contains("defocused_blurred") || sub.contains("motion_blurred")) {
        return try loadKaggle(root)
    }
    if sub.contains("sharp") && sub.contains("blurred") {
        return try loadPaired(root, sharp: "sharp", blurred: "blurred", layout: .pairedFolders, sceneKey: { $0 })
    }
    if sub.contains("good_frames") && sub.contains("bad_frames") {
        return try loadPaired(root, sharp: "good_frames", blurred: "bad_frames", layout: .goodBadFrames,
                              sceneKey: videoSceneKey)
    }
    if let gopro = try loadGoPro(root) { return gopro }
    let files = imageFiles(in: root)
    guard !files.isEmpty else {
        throw sub.isEmpty ? DatasetError.empty(path: path, layout: DatasetLayout.sharpFolder.rawValue)
                          : DatasetError.unknownLayout(path: path)
    }
    let samples = files.map { Sample(id: $0.stem, scene: $0.stem, sharpPath: $0.path, blurredPath: nil, blurKind: nil) }
    var dataset = Dataset(root: path, layout: .sharpFolder, samples: samples, warnings: [])
    dataset.sceneTags = readSceneTags(at: root.appendingPathComponent("scenes.tsv")) ?? [:]
    return dataset
}

/// One image file: its name without extension and its full path.
struct ImageFile: Equatable {
    let stem: String
    let path: String
}

/// Image files directly inside `dir`, sorted by name; hidden files skipped.
func imageFiles(in dir: URL) -> [ImageFile] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.sorted().compactMap { name in
        guard !name.hasPrefix(".") else { return nil }
        let url = dir.appendingPathComponent(name)
        guard imageExtensions.contains(url.pathExtension.lowercased()) else { return nil }
        return ImageFile(stem: url.deletingPathExtension().lastPathComponent, path: url.path)
    }
}

func subdirectories(of dir: URL) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.sorted().filter { name in
        var isDir: ObjCBool = false
        return !name.hasPrefix(".")
            && FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path, isDirectory: &isDir)
            && isDir.boolValue
    }
}

/// Scene key for frames cut from videos: the name without a trailing frame number
/// (`clip3_0042` → `clip3`, `walk-17` → `walk`), so that neighbouring frames of one video never
/// land on both sides of the split. A name that is only digits stays as it is.
func videoSceneKey(_ stem: String) -> String {
    var s = Substring(stem)
    while let last = s.last, last.isNumber { s = s.dropLast() }
    while let last = s.last, last == "_" || last == "-" || last == "." || last == " " { s = s.dropLast() }
    return s.isEmpty ? stem : String(s)
}

/// Kaggle "blur dataset": `sharp/ID_CAMERA_S.jpg`, `defocused_blurred/ID_CAMERA_F.jpg`,
/// `motion_blurred/ID_CAMERA_M.jpg` (extensions in mixed case). One sample per blurred file;
/// the scene is `ID_CAMERA`. The three photos of a triplet were taken separately and are NOT
/// pixel-aligned, which the returned warning says.
func loadKaggle(_ root: URL) throws -> Dataset {
    func key(_ stem: String, suffix: String) -> String? {
        let upper = stem.uppercased()
        guard upper.hasSuffix("_" + suffix) else { return nil }
        return String(stem.dropLast(suffix.count + 1))
    }
    var sharp: [String: String] = [:]
    for f in imageFiles(in: root.appendingPathComponent("sharp")) {
        if let k = key(f.stem, suffix: "S") { sharp[k] = f.path }
    }
    var samples: [Sample] = []
    var unpaired: [String] = []
    for (folder, suffix, kind) in [("defocused_blurred", "F", "defocus"), ("motion_blurred", "M", "motion")] {
        for f in imageFiles(in: root.appendingPathComponent(folder)) {
            guard let k = key(f.stem, suffix: suffix) else { continue }
            guard let s = sharp[k] else { unpaired.append("\(folder)/\(f.stem)"); continue }
            samples.append(Sample(id: f.stem, scene: k, sharpPath: s, blurredPath: f.path, blurKind: kind))
        }
    }
    if !unpaired.isEmpty { throw DatasetError.unpaired(path: root.path, names: unpaired) }
    guard !samples.isEmpty else { throw DatasetError.empty(path: root.path, layout: DatasetLayout.kaggle.rawValue) }
    let warning = "Kaggle blur dataset: the sharp, defocused and motion photos of a triplet were taken separately and are not pixel-aligned; full-reference scores (PSNR, SSIM, …) on it measure misalignment as well as blur."
    return Dataset(root: root.path, layout: .kaggle, samples: samples.sorted { $0.id < $1.id }, warnings: [warning])
}

/// Two folders whose files pair by name (extension may differ).
func loadPaired(_ root: URL, sharp: String, blurred: String, layout: DatasetLayout,
                sceneKey: (String) -> String) throws -> Dataset {
    var sharpByStem: [String: String] = [:]
    for f in imageFiles(in: root.appendingPathComponent(sharp)) { sharpByStem[f.stem] = f.path }
    var samples: [Sample] = []
    var unpaired: [String] = []
    for f in imageFiles(in: root.appendingPathComponent(blurred)) {
        guard let s = sharpByStem[f.stem] else { unpaired.append(f.stem); continue }
        samples.append(Sample(id: f.stem, scene: sceneKey(f.stem), sharpPath: s, blurredPath: f.path, blurKind: "real"))
    }
    if !unpaired.isEmpty { throw DatasetError.unpaired(path: root.appendingPathComponent(blurred).path, names: unpaired) }
    guard !samples.isEmpty else { throw DatasetError.empty(path: root.path, layout: layout.rawValue) }
    return Dataset(root: root.path, layout: layout, samples: samples, warnings: [])
}

/// GoPro layout: `SEQ/blur/NAME` + `SEQ/sharp/NAME`, directly under the root or under `train/`
/// and `test/`. The scene is the sequence folder. Returns nil when no sequence folder is found.
func loadGoPro(_ root: URL) throws -> Dataset? {
    var sequenceDirs: [(name: String, url: URL)] = []
    func scan(_ dir: URL, prefix: String) {
        for name in subdirectories(of: dir) {
            let url = dir.appendingPathComponent(name)
            let inner = Set(subdirectories(of: url))
            if inner.contains("blur") && inner.contains("sharp") {
                sequenceDirs.append((prefix + name, url))
            }
        }
    }
    scan(root, prefix: "")
    for group in ["train", "test"] where subdirectories(of: root).contains(group) {
        scan(root.appendingPathComponent(group), prefix: group + "/")
    }
    guard !sequenceDirs.isEmpty else { return nil }
    var samples: [Sample] = []
    for (name, url) in sequenceDirs {
        let pairs = try loadPaired(url, sharp: "sharp", blurred: "blur", layout: .gopro, sceneKey: { _ in name })
        samples += pairs.samples.map {
            Sample(id: "\(name)/\($0.id)", scene: name, sharpPath: $0.sharpPath, blurredPath: $0.blurredPath, blurKind: "real")
        }
    }
    return Dataset(root: root.path, layout: .gopro, samples: samples.sorted { $0.id < $1.id }, warnings: [])
}
