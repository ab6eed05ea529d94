import Foundation
import Tensors

/// Anything that owns parameters under stable dotted names (`"enc1.conv.weight"`), in a fixed order.
/// Models compose modules and list their children's parameters with `prefixed(_:_:)`.
public protocol Module: AnyObject {
    /// Every parameter with its name, in a stable order (the optimiser's state follows this order).
    var namedParameters: [(name: String, variable: Variable)] { get }
}

/// A module with one input and one output.
public protocol Layer: Module {
    func callAsFunction(_ x: Variable) -> Variable
}

extension Module {
    /// The parameters, in `namedParameters` order.
    public var parameters: [Variable] { namedParameters.map(\.variable) }

    /// Total number of trainable scalars.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.variable.value.count } }

    /// A child's parameters with `prefix.` in front of their names.
    public func prefixed(_ prefix: String, _ child: Module) -> [(name: String, variable: Variable)] {
        child.namedParameters.map { (prefix + "." + $0.name, $0.variable) }
    }

    /// Parameter values by name (what a checkpoint stores).
    public func stateDict() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.variable.value) })
    }

    /// Replaces every parameter's value from `tensors` (strict: the names must match exactly and
    /// each shape must equal the parameter's). Nothing is changed if any check fails.
    /// - Throws: `NNError.missingParameter`, `.unexpectedParameter` or `.parameterShape`, naming `source`.
    public func loadStateDict(_ tensors: [String: Tensor], source: String = "<memory>") throws {
        let named = namedParameters
        let names = Set(named.map(\.name))
        for (name, v) in named {
            guard let t = tensors[name] else { throw NNError.missingParameter(name: name, source: source) }
            guard t.shape == v.shape else { throw NNError.parameterShape(name: name, expected: v.shape, actual: t.shape, source: source) }
        }
        if let extra = tensors.keys.sorted().first(where: { !names.contains($0) }) {
            throw NNError.unexpectedParameter(name: extra, source: source)
        }
        for (name, v) in named { v.value = tensors[name]! }
    }

    /// Transfer learning: replaces the value of every parameter for which `tensors` has a tensor of the
    /// same name and shape, and leaves the others as they are (freshly initialised).
    /// - Returns: the names loaded, the parameters left alone (no tensor of that name, or another
    ///   shape: listed with both shapes) and the tensors of `tensors` that matched no parameter.
    @discardableResult
    public func loadMatching(_ tensors: [String: Tensor]) -> (loaded: [String], kept: [String], unused: [String]) {
        var loaded: [String] = [], kept: [String] = []
        for (name, v) in namedParameters {
            if let t = tensors[name], t.shape == v.shape {
                v.value = t
                loaded.append(name)
            } else if let t = tensors[name] {
                kept.append("\(name) (shape \(v.shape), the file's \(t.shape))")
            } else {
                kept.append(name)
            }
        }
        let names = Set(namedParameters.map(\.name))
        return (loaded, kept, tensors.keys.filter { !names.contains($0) }.sorted())
    }

    /// Saves the parameters as safetensors (atomically) with `metadata` in the header
    /// (architecture name, hyper-parameters, training data, seed …). F16 halves the size.
    /// - Throws: `TensorsError.notRepresentable` (F16 overflow) or `AtomicFileError`.
    public func save(to url: URL, metadata: [String: String] = [:], as dtype: SafeTensorsDType = .f32) throws {
        try SafeTensorsFile(tensors: stateDict(), metadata: metadata).write(to: url, as: dtype)
    }

    /// Loads parameters saved by `save(to:)` (or any safetensors file with matching names) and
    /// returns the file's metadata.
    /// - Throws: `TensorsError` for an unreadable or corrupt file, `NNError` for a mismatched one.
    @discardableResult
    public func load(from url: URL) throws -> [String: String] {
        let file = try SafeTensorsFile(contentsOf: url)
        try loadStateDict(file.tensors, source: url.path)
        return file.metadata
    }
}
