import ImageCore

/// Placeholder until the Tensors milestone lands.
public struct STLPIPS: Metric {
    public let id = "st_lpips"
    public let displayName = "ST-LPIPS (alex)"
    public let higherIsBetter = false
    public var description: String { "ST-LPIPS (alex)" }
    public init() throws { throw MetricsError.weightsMissing(path: "Data/weights/st-lpips-alex.safetensors") }
    public func score(reference: Image, test: Image) throws -> Double { 0 }
}
