import NN
import Tensors

/// Growing a trained network's channels without changing what it computes — Net2WiderNet (Chen,
/// Goodfellow & Shlens, "Net2Net", ICLR 2016), with zeros where they copy and halve units: every
/// old tensor goes into the leading channels of the wider one; the channels a layer gains as
/// outputs keep their fresh random weights (so they compute something and can learn), and the
/// weights by which any layer reads those new channels start at zero (so nothing downstream sees
/// them yet). The wider network's output equals the narrow one's to rounding, and training carries
/// on from there with more capacity instead of starting over.
///
/// The layout of one parameter for widening: which dimension indexes the layer's inputs (nil for a
/// bias) and how many equal, concatenated segments that input holds (2 for a U-Net decoder's
/// `[upsampled, skip]` input). Every other dimension is an output or kernel dimension.
public struct WideningLayout: Sendable, Equatable {
    public var inputDimension: Int?
    public var inputSegments: Int

    public init(inputDimension: Int?, inputSegments: Int = 1) {
        self.inputDimension = inputDimension
        self.inputSegments = inputSegments
    }
}

/// A network that can start from a narrower one of its kind (same names, same depth, fewer channels).
public protocol WidenableNetwork: DeblurNetwork {
    /// The widening layout of the parameter `name` (one of `namedParameters`); by default a
    /// convolution's `(out, in, k, k)` weight read by one block of inputs, or a bias.
    func wideningLayout(of name: String) -> WideningLayout
}

extension WidenableNetwork {
    public func wideningLayout(of name: String) -> WideningLayout {
        WideningLayout(inputDimension: name.hasSuffix(".bias") ? nil : 1)
    }

    /// Loads `tensors` (a narrower network of the same architecture and depth) widened as described
    /// above. Returns the names widened (the ones whose shape grew), or nil — changing nothing — when
    /// `tensors` is not such a network: a parameter missing or one too many (another depth), another
    /// rank or kernel size, a dimension larger than ours, segments that do not divide, or no dimension
    /// that grows.
    public func loadWidened(_ tensors: [String: Tensor]) -> [String]? {
        guard Set(tensors.keys) == Set(namedParameters.map(\.name)) else { return nil }
        var plan: [(Variable, Tensor)] = []
        var widened: [String] = []
        for (name, variable) in namedParameters {
            guard let old = tensors[name], let wide = Self.widen(old, into: variable.value, layout: wideningLayout(of: name)) else { return nil }
            if old.shape != variable.shape { widened.append(name) }
            plan.append((variable, wide))
        }
        guard !widened.isEmpty else { return nil }
        for (variable, value) in plan { variable.value = value }
        return widened
    }

    /// `old` placed in the leading channels of `fresh`; `fresh`'s entries that read a new input channel
    /// set to zero, its entries of new output channels kept. Nil if the shapes do not fit.
    static func widen(_ old: Tensor, into fresh: Tensor, layout: WideningLayout) -> Tensor? {
        let oldShape = old.shape, newShape = fresh.shape
        let rank = newShape.count
        guard oldShape.count == rank, zip(oldShape, newShape).allSatisfy({ $0 <= $1 && $0 > 0 }) else { return nil }
        // Kernel dimensions (beyond the two channel dimensions) must not change.
        if rank > 2, oldShape[2...] != newShape[2...] { return nil }
        let segments = (0 ..< rank).map { $0 == layout.inputDimension ? layout.inputSegments : 1 }
        for d in 0 ..< rank where oldShape[d] % segments[d] != 0 || newShape[d] % segments[d] != 0 { return nil }
        // Where old index i of dimension d lands: segment s = i / oldSegment, at s·newSegment + i mod oldSegment.
        func target(_ i: Int, _ d: Int) -> Int {
            let o = oldShape[d] / segments[d], n = newShape[d] / segments[d]
            return (i / o) * n + i % o
        }
        var out = fresh.scalars
        let newStrides = strides(newShape), oldStrides = strides(oldShape)
        if let input = layout.inputDimension, oldShape[input] != newShape[input] {
            // Zero every entry that reads an input channel the narrow network did not have.
            let o = oldShape[input] / segments[input], n = newShape[input] / segments[input]
            for flat in out.indices where (flat / newStrides[input]) % newShape[input] % n >= o { out[flat] = 0 }
        }
        let values = old.scalars
        for flat in values.indices {
            var index = 0
            for d in 0 ..< rank { index += target((flat / oldStrides[d]) % oldShape[d], d) * newStrides[d] }
            out[index] = values[flat]
        }
        return Tensor(shape: newShape, scalars: out)
    }
}

private func strides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    for d in stride(from: shape.count - 2, through: 0, by: -1) { s[d] = s[d + 1] * shape[d + 1] }
    return s
}

extension UNet: WidenableNetwork {
    /// Convolution weights are `(out, in, k, k)`, transposed ones (`upN`) `(in, out, k, k)`; a decoder's
    /// first convolution (`decN.a`) reads `[upsampled, skip]`, two segments of its level's width.
    public func wideningLayout(of name: String) -> WideningLayout {
        if name.hasSuffix(".bias") { return WideningLayout(inputDimension: nil) }
        if name.hasPrefix("up") { return WideningLayout(inputDimension: 0) }
        if name.hasPrefix("dec"), name.hasSuffix(".a.weight") { return WideningLayout(inputDimension: 1, inputSegments: 2) }
        return WideningLayout(inputDimension: 1)
    }
}

/// A plain stack of convolutions: the first reads the fixed 1 + 4C input channels, the last writes the
/// fixed 4C noise channels; every width in between can grow (the default layout).
extension NoiseConditionedDenoiser: WidenableNetwork {}
