import Foundation
import ImageCore
import Testing
@testable import NN
@testable import Tensors

/// Central finite differences against the tape's gradients.
///
/// The scalar checked is `L = Σ_i f(inputs)_i · r_i` with a fixed seeded weighting `r`, so every output
/// element matters. Analytic: one backward pass through the op and this weighted sum. Numeric:
/// `(L(x + h·e_j) − L(x − h·e_j)) / 2h` with the forward in Float and `L` and the quotient in Double,
/// for up to `probes` seeded coordinates `j` of every input. Passes when, for every probe,
/// `|analytic − numeric| ≤ tolerance · (1 + |numeric|)`.
enum GradientCheck {
    struct Result { var worst: Double; var probes: Int }

    static func run(_ inputs: [Tensor], h: Double, probes: Int = 24, seed: UInt64 = 99,
                    _ f: ([Variable]) -> Variable) -> Result {
        // Analytic gradients.
        let tape = Tape()
        let vars = inputs.map { tape.input($0, requiresGrad: true) }
        let y = f(vars)
        let r = Ref.random(y.shape, seed: seed)
        tape.backward(from: sum(multiply(y, Variable(r))))
        // Numeric gradients.
        func loss(_ xs: [Tensor]) -> Double {
            let out = f(xs.map { Variable($0) }).value
            var s = 0.0
            for i in 0 ..< out.count { s += Double(out[i]) * Double(r[i]) }
            return s
        }
        var rng = SeededRNG(seed: seed &+ 1)
        var worst = 0.0, count = 0
        for (k, x) in inputs.enumerated() {
            let analytic = vars[k].grad ?? Tensor(shape: x.shape)
            let coordinates = x.count <= probes ? Array(0 ..< x.count) : (0 ..< probes).map { _ in Int(rng.next() % UInt64(x.count)) }
            for j in coordinates {
                var plus = inputs, minus = inputs
                plus[k][j] = Float(Double(x[j]) + h)
                minus[k][j] = Float(Double(x[j]) - h)
                let hPlus = Double(plus[k][j]) - Double(x[j]), hMinus = Double(x[j]) - Double(minus[k][j])
                let numeric = (loss(plus) - loss(minus)) / (hPlus + hMinus)
                worst = max(worst, abs(Double(analytic[j]) - numeric) / (1 + abs(numeric)))
                count += 1
            }
        }
        return Result(worst: worst, probes: count)
    }

    /// Values in ±[0.1, 1] (never within 0.1 of zero), for ops with a kink at 0 checked with h < 0.1.
    static func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
        var t = Ref.random(shape, seed: seed)
        for i in 0 ..< t.count { let v = t[i]; t[i] = (v < 0 ? -1 : 1) * (0.1 + 0.9 * abs(v)) }
        return t
    }

    /// A permutation of evenly spaced values (gaps of 0.05), so max-pool winners are unique and
    /// a perturbation below 0.025 never changes them.
    static func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        let n = shape.reduce(1, *)
        var values = (0 ..< n).map { Float($0) * 0.05 - Float(n) * 0.025 }
        var rng = SeededRNG(seed: seed)
        values.shuffle(using: &rng)
        return Tensor(shape: shape, scalars: values)
    }
}
