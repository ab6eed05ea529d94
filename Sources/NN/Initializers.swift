import Foundation
import ImageCore
import Tensors

/// Seeded weight initialisation for a weight with `fanIn` inputs and `fanOut` outputs per unit
/// (for a convolution `fanIn = C/G·KH·KW`, `fanOut = OC/G·KH·KW`, as PyTorch and Keras compute them).
public enum Initializer: String, Sendable, Codable, CaseIterable {
    /// He et al. 2015: N(0, 2/fanIn) — for ReLU networks (PyTorch `kaiming_normal_`, Keras `he_normal` untruncated).
    case heNormal
    /// He et al. 2015: U(±√(6/fanIn)) (PyTorch `kaiming_uniform_(a=0)`, Keras `he_uniform`).
    case heUniform
    /// Glorot & Bengio 2010: U(±√(6/(fanIn + fanOut))) — Keras's default for Conv2D.
    case glorotUniform
    /// Glorot & Bengio 2010: N(0, 2/(fanIn + fanOut)).
    case glorotNormal

    /// A tensor of `shape` drawn from this distribution with `rng`.
    public func make(shape: [Int], fanIn: Int, fanOut: Int, rng: inout SeededRNG) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        switch self {
        case .heNormal:
            let sd = (2.0 / Double(fanIn)).squareRoot()
            for i in 0 ..< count { values[i] = Float(sd * rng.normal()) }
        case .heUniform:
            let limit = (6.0 / Double(fanIn)).squareRoot()
            for i in 0 ..< count { values[i] = Float(rng.uniform(in: -limit ... limit)) }
        case .glorotUniform:
            let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
            for i in 0 ..< count { values[i] = Float(rng.uniform(in: -limit ... limit)) }
        case .glorotNormal:
            let sd = (2.0 / Double(fanIn + fanOut)).squareRoot()
            for i in 0 ..< count { values[i] = Float(sd * rng.normal()) }
        }
        return Tensor(shape: shape, scalars: values)
    }
}
