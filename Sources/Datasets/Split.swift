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
public struct SceneSplit: Sendable, Equatable {
    public let seed: UInt64
    public let trainFraction: Double
    public let trainScenes: Set<String>
    public let testScenes: Set<String>

    /// - Throws: `DatasetError.invalidFraction` unless 0 < `trainFraction` < 1.
    public init(scenes: [String], seed: UInt64 = 0, trainFraction: Double = 0.8) throws {
        guard trainFraction > 0, trainFraction < 1 else { throw DatasetError.invalidFraction(trainFraction) }
        var order = Array(Set(scenes)).sorted()
        var rng = SeededRNG(seed: seed)
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        var nTrain = Int((trainFraction * Double(order.count)).rounded())
        if order.count >= 2 { nTrain = min(max(nTrain, 1), order.count - 1) }
        self.seed = seed
        self.trainFraction = trainFraction
        self.trainScenes = Set(order.prefix(nTrain))
        self.testScenes = Set(order.dropFirst(nTrain))
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
