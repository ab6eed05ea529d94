import Foundation
import Tensors

// Pixel losses between a prediction and a constant target of the same shape, averaged over every
// element (shape [1]); sums in Double. Each forward sits next to its gradient.

/// Builds a mean-over-elements loss from a per-element value `f(d)` and derivative `f′(d)` of the
/// difference `d = prediction − target`.
private func pointwiseLoss(_ prediction: Variable, _ target: Tensor, name: String,
                           value: (Float) -> Float, derivative: @escaping (Float) -> Float) -> Variable {
    precondition(prediction.shape == target.shape, "\(name): prediction \(prediction.shape) and target \(target.shape) differ")
    let n = target.count
    let pv = prediction.value
    var total = 0.0
    withExtendedLifetime((pv, target)) {
        let p = pv.unsafePointer, t = target.unsafePointer
        for i in 0 ..< n { total += Double(value(p[i] - t[i])) }  // one thread: keeps the Double sum order fixed
    }
    return makeResult(Tensor(shape: [1], scalars: [Float(total / Double(n))]), [prediction]) { out in
        let scale = out.grad![0] / Float(n)
        let pv = prediction.value
        prediction.withGradBuffer { g, accumulate in
            withExtendedLifetime((pv, target)) {
                let p = pv.unsafePointer, t = target.unsafePointer
                forEachChunk(n) { r in
                    if accumulate { for i in r { g[i] += scale * derivative(p[i] - t[i]) } } else { for i in r { g[i] = scale * derivative(p[i] - t[i]) } }
                }
            }
        }
    }
}

/// Mean squared error `mean((p − t)²)`. Gradient `2(p − t)/n`.
public func mseLoss(_ prediction: Variable, target: Tensor) -> Variable {
    pointwiseLoss(prediction, target, name: "mseLoss", value: { $0 * $0 }, derivative: { 2 * $0 })
}

/// Mean absolute error `mean(|p − t|)`. Gradient `sign(p − t)/n`, 0 where `p = t` (as PyTorch).
public func l1Loss(_ prediction: Variable, target: Tensor) -> Variable {
    pointwiseLoss(prediction, target, name: "l1Loss", value: { abs($0) }, derivative: { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) })
}

/// Charbonnier loss `mean(√((p − t)² + ε²))`, a smooth L1 (Charbonnier et al. 1994; Lai et al. 2017
/// LapSRN use ε = 1e-3). Gradient `(p − t) / √((p − t)² + ε²) / n`.
public func charbonnierLoss(_ prediction: Variable, target: Tensor, epsilon: Float = 1e-3) -> Variable {
    let e2 = epsilon * epsilon
    return pointwiseLoss(prediction, target, name: "charbonnierLoss",
                         value: { ($0 * $0 + e2).squareRoot() }, derivative: { $0 / ($0 * $0 + e2).squareRoot() })
}
