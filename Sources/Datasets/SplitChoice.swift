/// The side of the scene split a command works on: test, train, or all images.
public enum SplitChoice: String, Codable, Sendable, CaseIterable {
    case test, train, all

    /// The split side, or nil for all images.
    public var side: SplitSide? {
        switch self {
        case .all: return nil
        case .test: return .test
        case .train: return .train
        }
    }
}
