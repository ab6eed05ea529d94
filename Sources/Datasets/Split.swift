import ImageCore

/// Which side of the split a sample belongs to.
public enum SplitSide: String, Sendable, Codable, CaseIterable {
    case train, test
}

/// A deterministic split by scene.
///
/// The sorted list of distinct scenes is shuffled with `SeededRNG(seed:)` (Fisher–Yates) and the
/// first `round(trainFraction × scenes)` go to training, the rest to test — so the same scenes and
/// seed always give the same split, every scene lands on exactly one side, and with at least two
/// scenes both sides are non-empty. Samples follow their scene.
///
/// With scene tags (`init(dataset:…)` on the built-in set, whose `scenes.tsv` carries them), scenes
/// tagged `test` or `train` are pinned to that side, the others are shuffled as above, and training
/// takes from the front of the shuffled order until it holds `round(trainFraction × scenes)` scenes
/// (pinned ones included); the rest are test. On the built-in set (42 scenes, fraction 0.8, seed 0)
/// this gives 34 training and 8 test scenes: the ten scikit-image scenes keep the sides of their old
/// seed-0 split (astronaut and hubble_deep_field test, so old numbers stay comparable; the other eight
/// train, so networks trained on the old split never saw a test scene) and six photographs join the
/// test side. `validationScenes` are the first `validationCount` unpinned training scenes in shuffled
/// order that are neither `texture` nor `defocus`: a trainer holds them out for model selection.
public struct SceneSplit: Sendable, Equatable {
    public let seed: UInt64
    public let trainFraction: Double
    public let trainScenes: Set<String>
    public let testScenes: Set<String>
    /// Training scenes a trainer should hold out for validation (a subset of `trainScenes`; empty
    /// without scene tags, where the trainer picks its own).
    public let validationScenes: Set<String>

    /// The untagged split (every scene shuffled, no pinned scenes, no validation scenes).
    /// - Throws: `DatasetError.invalidFraction` unless 0 < `trainFraction` < 1.
    public init(scenes: [String], seed: UInt64 = 0, trainFraction: Double = 0.8) throws {
        try self.init(scenes: scenes, tags: [:], seed: seed, trainFraction: trainFraction)
    }

    /// The split of a dataset, using its scene tags (`Dataset.sceneTags`) when it has them.
    public init(dataset: Dataset, seed: UInt64 = 0, trainFraction: Double = 0.8) throws {
        try self.init(scenes: dataset.scenes, tags: dataset.sceneTags, seed: seed, trainFraction: trainFraction)
    }

    /// The tagged split described on the type.
    /// - Parameters:
    ///   - tags: scene → tags (`SceneTag` raw values); scenes tagged `test` (`train`) are pinned to that side.
    ///   - validationCount: validation scenes wanted when any scene is tagged (default 2; fewer when the
    ///     training side has fewer untagged scenes).
    /// - Throws: `DatasetError.invalidFraction` unless 0 < `trainFraction` < 1.
    public init(scenes: [String], tags: [String: Set<String>], seed: UInt64 = 0, trainFraction: Double = 0.8,
                validationCount: Int = 2) throws {
        guard trainFraction > 0, trainFraction < 1 else { throw DatasetError.invalidFraction(trainFraction) }
        let all = Array(Set(scenes)).sorted()
        let pinnedTest = all.filter { tags[$0]?.contains(SceneTag.test.rawValue) == true }
        let pinnedTrain = all.filter { tags[$0]?.contains(SceneTag.train.rawValue) == true && !pinnedTest.contains($0) }
        var order = all.filter { !pinnedTest.contains($0) && !pinnedTrain.contains($0) }
        var rng = SeededRNG(seed: seed)
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        var nTrain = Int((trainFraction * Double(all.count)).rounded())
        if all.count >= 2 { nTrain = min(max(nTrain, 1), all.count - 1) }
        let fromOrder = min(max(nTrain - pinnedTrain.count, 0), order.count)
        let train = Array(order.prefix(fromOrder))
        self.seed = seed
        self.trainFraction = trainFraction
        self.trainScenes = Set(train).union(pinnedTrain)
        self.testScenes = Set(order.dropFirst(fromOrder)).union(pinnedTest)
        if tags.isEmpty {
            self.validationScenes = []
        } else {
            let excluded: Set<String> = [SceneTag.texture.rawValue, SceneTag.defocus.rawValue]
            let candidates = train.filter { (tags[$0] ?? []).isDisjoint(with: excluded) }
            // Keep at least one scene to train on.
            let room = max(train.count + pinnedTrain.count - 1, 0)
            self.validationScenes = Set(candidates.prefix(min(max(validationCount, 0), room)))
        }
    }

    public func side(of sample: Sample) -> SplitSide {
        trainScenes.contains(sample.scene) ? .train : .test
    }

    /// The samples of `dataset` on `side` (nil = all), in dataset order.
    public func samples(of dataset: Dataset, side: SplitSide?) -> [Sample] {
        guard let side else { return dataset.samples }
        return dataset.samples.filter { self.side(of: $0) == side }
    }
}
