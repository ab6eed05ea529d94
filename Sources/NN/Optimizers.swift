import Foundation
import Tensors

/// Updates parameters from their gradients. Parameters whose `grad` is nil are skipped (as PyTorch).
public protocol Optimizer: AnyObject {
    /// The parameters, in the order their state is saved.
    var parameters: [Variable] { get }
    /// The step size; schedulers set it between steps.
    var learningRate: Float { get set }
    /// Applies one update from the current gradients.
    func step()
    /// Everything needed to resume exactly (moments, step count), for a checkpoint.
    func state() -> [String: Tensor]
    /// Restores `state()`.
    /// - Throws: `NNError.optimizerState` when the tensors do not fit this optimiser's parameters.
    func loadState(_ state: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears every parameter's gradient (the next backward pass writes fresh ones).
    public func zeroGrad() { for p in parameters { p.grad = nil } }
}

/// Stochastic gradient descent with momentum, as PyTorch `torch.optim.SGD`:
///
///     d = g + weightDecay·p;  b = momentum·b + (1 − dampening)·d  (b = d at the first step)
///     p ← p − lr · (nesterov ? d + momentum·b : b)
public final class SGD: Optimizer {
    public let parameters: [Variable]
    public var learningRate: Float
    public let momentum: Float, dampening: Float, weightDecay: Float, nesterov: Bool
    private var buffers: [Tensor?]

    public init(parameters: [Variable], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        buffers = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let n = grad.count
            var d = grad
            let dp = d.unsafeMutablePointer(), w = p.value.unsafeMutablePointer()
            if weightDecay != 0 { for i in 0 ..< n { dp[i] += weightDecay * w[i] } }
            if momentum != 0 {
                if buffers[index] == nil {
                    buffers[index] = d
                    buffers[index]!.makeUnique()
                } else {
                    let b = buffers[index]!.unsafeMutablePointer()
                    for i in 0 ..< n { b[i] = momentum * b[i] + (1 - dampening) * dp[i] }
                }
                let b = buffers[index]!.unsafeMutablePointer()
                if nesterov { for i in 0 ..< n { dp[i] += momentum * b[i] } } else { for i in 0 ..< n { dp[i] = b[i] } }
            }
            for i in 0 ..< n { w[i] -= learningRate * dp[i] }
            withExtendedLifetime(d) {}
        }
    }

    public func state() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (i, b) in buffers.enumerated() { if let b { out["momentum.\(i)"] = b } }
        return out
    }

    public func loadState(_ state: [String: Tensor]) throws {
        var restored = [Tensor?](repeating: nil, count: parameters.count)
        for (key, t) in state {
            guard key.hasPrefix("momentum."), let i = Int(key.dropFirst(9)), i >= 0, i < parameters.count else {
                throw NNError.optimizerState(reason: "SGD has no state entry '\(key)'")
            }
            guard t.shape == parameters[i].shape else {
                throw NNError.optimizerState(reason: "momentum \(i) has shape \(t.shape), parameter has \(parameters[i].shape)")
            }
            restored[i] = t
        }
        buffers = restored
    }
}

/// Adam (Kingma & Ba 2015) exactly as PyTorch `torch.optim.Adam` / `AdamW` compute it, with bias correction:
///
///     t ← t + 1;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²
///     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Weight decay: `Adam` adds `weightDecay·p` to the gradient (L2, coupled); `AdamW` (Loshchilov &
/// Hutter 2019) first shrinks `p ← p·(1 − lr·weightDecay)` (decoupled), then does the Adam step.
public class AdamBase: Optimizer {
    public let parameters: [Variable]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    let decoupled: Bool
    /// Number of steps taken (the `t` of the bias correction).
    public private(set) var stepCount = 0
    private var m: [Tensor], v: [Tensor]

    init(parameters: [Variable], learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
         weightDecay: Float, decoupled: Bool) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        m = parameters.map { Tensor(shape: $0.shape) }
        v = parameters.map { Tensor(shape: $0.shape) }
    }

    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = Float(1 - pow(Double(beta1), t)), correction2Root = Float((1 - pow(Double(beta2), t)).squareRoot())
        let stepSize = learningRate / correction1
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let n = grad.count
            let w = p.value.unsafeMutablePointer(), mp = m[index].unsafeMutablePointer(), vp = v[index].unsafeMutablePointer()
            let (b1, b2, eps, lr, wd, coupledDecay) = (beta1, beta2, epsilon, learningRate, weightDecay, !decoupled && weightDecay != 0)
            withExtendedLifetime(grad) {
                let g = grad.unsafePointer
                if decoupled && wd != 0 { for i in 0 ..< n { w[i] *= 1 - lr * wd } }
                for i in 0 ..< n {
                    let gi = coupledDecay ? g[i] + wd * w[i] : g[i]
                    mp[i] = b1 * mp[i] + (1 - b1) * gi
                    vp[i] = b2 * vp[i] + (1 - b2) * gi * gi
                    w[i] -= stepSize * mp[i] / (vp[i].squareRoot() / correction2Root + eps)
                }
            }
        }
    }

    public func state() -> [String: Tensor] {
        var out: [String: Tensor] = ["step": Tensor(shape: [1], scalars: [Float(stepCount)])]
        for i in parameters.indices {
            out["m.\(i)"] = m[i]
            out["v.\(i)"] = v[i]
        }
        return out
    }

    public func loadState(_ state: [String: Tensor]) throws {
        guard let step = state["step"], step.count == 1 else { throw NNError.optimizerState(reason: "no step count") }
        var newM = m, newV = v
        for i in parameters.indices {
            guard let mi = state["m.\(i)"], let vi = state["v.\(i)"] else {
                throw NNError.optimizerState(reason: "moments of parameter \(i) are missing")
            }
            guard mi.shape == parameters[i].shape, vi.shape == parameters[i].shape else {
                throw NNError.optimizerState(reason: "moments of parameter \(i) have shape \(mi.shape), parameter has \(parameters[i].shape)")
            }
            newM[i] = mi
            newV[i] = vi
        }
        guard state.count == 1 + 2 * parameters.count else {
            throw NNError.optimizerState(reason: "\(state.count) entries for \(parameters.count) parameters")
        }
        m = newM
        v = newV
        stepCount = Int(step[0])
    }
}

/// Adam with coupled L2 weight decay (PyTorch `Adam`; defaults lr 1e-3, β 0.9/0.999, ε 1e-8, decay 0).
public final class Adam: AdamBase {
    public init(parameters: [Variable], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   weightDecay: weightDecay, decoupled: false)
    }
}

/// Adam with decoupled weight decay (PyTorch `AdamW`; defaults lr 1e-3, β 0.9/0.999, ε 1e-8, decay 0.01).
public final class AdamW: AdamBase {
    public init(parameters: [Variable], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   weightDecay: weightDecay, decoupled: true)
    }
}

/// Scales all gradients together so their global L2 norm is at most `maxNorm` (PyTorch
/// `clip_grad_norm_`: factor `maxNorm / (norm + 1e-6)` when below 1). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Variable], maxNorm: Float) -> Double {
    var squares = 0.0
    for p in parameters { if let g = p.grad { g.withUnsafeBufferPointer { for x in $0 { squares += Double(x) * Double(x) } } } }
    let norm = squares.squareRoot()
    let factor = Float(Double(maxNorm) / (norm + 1e-6))
    if factor < 1 {
        for p in parameters where p.grad != nil {
            let g = p.grad!.unsafeMutablePointer()
            for i in 0 ..< p.grad!.count { g[i] *= factor }
        }
    }
    return norm
}
