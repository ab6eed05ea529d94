import Foundation
import ImageCore

/// A pointwise nonlinearity that kernels can fuse into their output pass.
public enum Activation: Equatable, Sendable, Codable {
    /// `y = x`
    case identity
    /// `y = max(x, 0)`
    case relu
    /// `y = x` for `x ≥ 0`, else `slope · x` (Keras default slope 0.3, PyTorch 0.01).
    case leakyRelu(slope: Float)
    /// `y = 1 / (1 + e^{−x})`
    case sigmoid
    /// `y = tanh(x)`
    case tanh

    /// Short name for metadata and reports (`relu`, `leaky_relu(0.2)`, …).
    public var name: String {
        switch self {
        case .identity: return "identity"
        case .relu: return "relu"
        case let .leakyRelu(slope): return "leaky_relu(\(slope))"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        }
    }
}

/// Applies `activation` in place to `count` values at `x`.
public func activationForward(_ x: UnsafeMutablePointer<Float>, count: Int, activation: Activation) {
    switch activation {
    case .identity:
        return
    case .relu:
        reluInPlace(x, count: count, bias: 0)
    case let .leakyRelu(slope):
        for i in 0 ..< count { let v = x[i]; x[i] = v >= 0 ? v : v * slope }
    case .sigmoid:
        for i in 0 ..< count { x[i] = 1 / (1 + expf(-x[i])) }
    case .tanh:
        for i in 0 ..< count { x[i] = tanhf(x[i]) }
    }
}

/// Multiplies the upstream gradient by the activation's derivative, written in terms of the
/// activation's *output* `y` (so the pre-activation need not be kept):
/// relu `y > 0`, leaky `y ≥ 0 ? 1 : slope` (valid since slope > 0), sigmoid `y(1 − y)`, tanh `1 − y²`.
/// `dInput[i] = dOutput[i] · f′(y[i])`; `dInput` may alias `dOutput`.
public func activationBackward(output y: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                               dInput: UnsafeMutablePointer<Float>, count: Int, activation: Activation) {
    switch activation {
    case .identity:
        if UnsafePointer(dInput) != dOutput { dInput.update(from: dOutput, count: count) }
    case .relu:
        // SIMD with a mask: the scalar select branches, and ReLU signs are a coin flip for the predictor.
        var i = 0
        while i &+ 8 <= count {
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            let dv = UnsafeRawPointer(dOutput + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dInput + i).storeBytes(of: dv.replacing(with: 0, where: yv .<= 0), as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count { dInput[i] = y[i] > 0 ? dOutput[i] : 0; i &+= 1 }
    case let .leakyRelu(slope):
        precondition(slope > 0, "leakyRelu backward from outputs needs a positive slope, got \(slope)")
        for i in 0 ..< count { dInput[i] = y[i] >= 0 ? dOutput[i] : dOutput[i] * slope }
    case .sigmoid:
        for i in 0 ..< count { let s = y[i]; dInput[i] = dOutput[i] * s * (1 - s) }
    case .tanh:
        for i in 0 ..< count { let t = y[i]; dInput[i] = dOutput[i] * (1 - t * t) }
    }
}

/// `x = max(x + bias, 0)` in place, eight lanes at a time.
@inline(__always)
func reluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, bias: Float) {
    let b = SIMD8<Float>(repeating: bias), zero = SIMD8<Float>()
    var i = 0
    while i &+ 8 <= count {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) + b
        UnsafeMutableRawPointer(x + i).storeBytes(of: v.replacing(with: 0, where: v .< zero), as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count { x[i] = max(x[i] + bias, 0); i &+= 1 }
}

/// Adds `bias[c]` to every value of channel `c` and applies `activation`, in place:
/// `x (N, C, P)`, `bias (C)` or nil. This is the fused epilogue of the convolution kernels.
public func biasActivationForward(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
                                  batch: Int, channels: Int, plane: Int, activation: Activation) {
    for n in 0 ..< batch {
        for c in 0 ..< channels {
            let row = x + (n &* channels &+ c) &* plane
            if let bias {
                let b = bias[c]
                switch activation {
                case .identity: for i in 0 ..< plane { row[i] += b }
                case .relu: reluInPlace(row, count: plane, bias: b)
                default:
                    for i in 0 ..< plane { row[i] += b }
                    activationForward(row, count: plane, activation: activation)
                }
            } else {
                activationForward(row, count: plane, activation: activation)
            }
        }
    }
}

/// `dBias[c] (+)= Σ_{n, p} dOutput[n, c, p]` for `dOutput (N, C, P)`, summed in Double.
///
/// Four 8-lane Double accumulators per channel (a single running Double sum is one dependent add
/// per element: it was 2 % of an autoencoder training step), channels spread over the workers
/// when the tensor is large enough to pay for the threads.
public func biasBackward(dOutput: UnsafePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                         batch: Int, channels: Int, plane: Int, accumulate: Bool) {
    let threads = batch &* channels &* plane >= 1 << 16 ? workerThreadCount : 1
    parallelFor(channels, threads: threads) { c in
        var a0 = SIMD8<Double>(), a1 = SIMD8<Double>(), a2 = SIMD8<Double>(), a3 = SIMD8<Double>()
        var tail = 0.0
        for n in 0 ..< batch {
            let row = UnsafeRawPointer(dOutput + (n &* channels &+ c) &* plane)
            var i = 0
            while i &+ 32 <= plane {
                a0 += SIMD8<Double>(row.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
                a1 += SIMD8<Double>(row.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self))
                a2 += SIMD8<Double>(row.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD8<Float>.self))
                a3 += SIMD8<Double>(row.loadUnaligned(fromByteOffset: (i &+ 24) &* 4, as: SIMD8<Float>.self))
                i &+= 32
            }
            while i < plane { tail += Double(row.load(fromByteOffset: i &* 4, as: Float.self)); i &+= 1 }
        }
        let s = ((a0 + a1) + (a2 + a3)).sum() + tail
        dBias[c] = accumulate ? dBias[c] + Float(s) : Float(s)
    }
}
