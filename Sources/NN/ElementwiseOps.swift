import Foundation
import Tensors

// Pointwise operations, concatenation and reductions, each forward next to its backward.
// Elementwise loops run on one thread: they are memory-bound and small next to the convolutions.

/// `a + b`, equal shapes. Backward: `da = dy`, `db = dy` (shared storage, copied only on write).
public func add(_ a: Variable, _ b: Variable) -> Variable {
    precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
    var y = Tensor.uninitialized(shape: a.shape)
    let av = a.value, bv = b.value, p = y.unsafeMutablePointer()
    withExtendedLifetime((av, bv)) {
        let x1 = av.unsafePointer, x2 = bv.unsafePointer
        forEachChunk(y.count) { r in for i in r { p[i] = x1[i] + x2[i] } }
    }
    return makeResult(y, [a, b]) { out in
        if a.needsGrad { a.accumulateGrad(out.grad!) }
        if b.needsGrad { b.accumulateGrad(out.grad!) }
    }
}

/// `a − b`, equal shapes. Backward: `da = dy`, `db = −dy`.
public func subtract(_ a: Variable, _ b: Variable) -> Variable {
    add(a, scale(b, by: -1))
}

/// `a ⊙ b` (elementwise), equal shapes. Backward: `da = dy ⊙ b`, `db = dy ⊙ a`.
public func multiply(_ a: Variable, _ b: Variable) -> Variable {
    precondition(a.shape == b.shape, "multiply: shapes \(a.shape) and \(b.shape) differ")
    var y = Tensor.uninitialized(shape: a.shape)
    let av = a.value, bv = b.value, p = y.unsafeMutablePointer()
    withExtendedLifetime((av, bv)) {
        let x1 = av.unsafePointer, x2 = bv.unsafePointer
        forEachChunk(y.count) { r in for i in r { p[i] = x1[i] * x2[i] } }
    }
    return makeResult(y, [a, b]) { out in
        let dy = out.grad!
        for (v, other) in [(a, b.value), (b, a.value)] where v.needsGrad {
            v.withGradBuffer { g, accumulate in
                withExtendedLifetime((dy, other)) {
                    let d = dy.unsafePointer, o = other.unsafePointer
                    if accumulate { for i in 0 ..< dy.count { g[i] += d[i] * o[i] } } else { for i in 0 ..< dy.count { g[i] = d[i] * o[i] } }
                }
            }
        }
    }
}

/// `c · x` for a constant `c`. Backward: `dx = c · dy`.
public func scale(_ x: Variable, by c: Float) -> Variable {
    var y = x.value
    let p = y.unsafeMutablePointer()
    for i in 0 ..< y.count { p[i] *= c }
    return makeResult(y, [x]) { out in
        let dy = out.grad!
        x.withGradBuffer { g, accumulate in
            withExtendedLifetime(dy) {
                let d = dy.unsafePointer
                if accumulate { for i in 0 ..< dy.count { g[i] += c * d[i] } } else { for i in 0 ..< dy.count { g[i] = c * d[i] } }
            }
        }
    }
}

public func + (a: Variable, b: Variable) -> Variable { add(a, b) }
public func - (a: Variable, b: Variable) -> Variable { subtract(a, b) }
public func * (a: Variable, b: Variable) -> Variable { multiply(a, b) }
public func * (c: Float, x: Variable) -> Variable { scale(x, by: c) }

/// A pointwise activation. Backward uses the output: relu `dy·[y > 0]`, leaky `dy·(y ≥ 0 ? 1 : slope)`,
/// sigmoid `dy·y(1 − y)`, tanh `dy·(1 − y²)` (see `activationBackward`).
public func activation(_ x: Variable, _ f: Activation) -> Variable {
    var y = x.value
    let p = y.unsafeMutablePointer()
    forEachChunk(y.count) { r in activationForward(p + r.lowerBound, count: r.count, activation: f) }
    return makeResult(y, [x]) { out in
        let dy = out.grad!, yv = out.value
        x.withGradBuffer { g, accumulate in
            withExtendedLifetime((dy, yv)) {
                if accumulate {
                    var tmp = Tensor.uninitialized(shape: dy.shape)
                    let t = tmp.unsafeMutablePointer()
                    activationBackward(output: yv.unsafePointer, dOutput: dy.unsafePointer, dInput: t, count: dy.count, activation: f)
                    for i in 0 ..< dy.count { g[i] += t[i] }
                } else {
                    let y = yv.unsafePointer, d = dy.unsafePointer
                    forEachChunk(dy.count) { r in
                        activationBackward(output: y + r.lowerBound, dOutput: d + r.lowerBound, dInput: g + r.lowerBound,
                                           count: r.count, activation: f)
                    }
                }
            }
        }
    }
}

/// `max(x, 0)`.
public func relu(_ x: Variable) -> Variable { activation(x, .relu) }
/// `x ≥ 0 ? x : slope·x` (slope > 0).
public func leakyRelu(_ x: Variable, slope: Float = 0.2) -> Variable { activation(x, .leakyRelu(slope: slope)) }
/// `1 / (1 + e^{−x})`.
public func sigmoid(_ x: Variable) -> Variable { activation(x, .sigmoid) }
/// `tanh(x)`.
public func tanh(_ x: Variable) -> Variable { activation(x, .tanh) }

/// Concatenation of rank-4 tensors along the channel axis (U-Net skip connections).
///
///     parts (N, C_i, H, W) -> (N, Σ C_i, H, W). Backward: each part receives its channel slice of dy.
public func concatChannels(_ parts: [Variable]) -> Variable {
    precondition(!parts.isEmpty, "concatChannels needs at least one tensor")
    let s0 = parts[0].shape
    for p in parts {
        precondition(p.shape.count == 4 && p.shape[0] == s0[0] && p.shape[2] == s0[2] && p.shape[3] == s0[3],
                     "concatChannels: \(p.shape) does not match \(s0) outside the channel axis")
    }
    let n = s0[0], plane = s0[2] * s0[3]
    let channels = parts.map { $0.shape[1] }, total = channels.reduce(0, +)
    var y = Tensor.uninitialized(shape: [n, total, s0[2], s0[3]])
    let dst = y.unsafeMutablePointer()
    var offset = 0
    for (part, c) in zip(parts, channels) {
        let v = part.value
        withExtendedLifetime(v) {
            for b in 0 ..< n {
                (dst + (b * total + offset) * plane).update(from: v.unsafePointer + b * c * plane, count: c * plane)
            }
        }
        offset += c
    }
    return makeResult(y, parts) { out in
        let dy = out.grad!
        var offset = 0
        for (part, c) in zip(parts, channels) {
            if part.needsGrad {
                part.withGradBuffer { g, accumulate in
                    withExtendedLifetime(dy) {
                        for b in 0 ..< n {
                            let src = dy.unsafePointer + (b * total + offset) * plane, dst = g + b * c * plane
                            if accumulate { for i in 0 ..< c * plane { dst[i] += src[i] } } else { dst.update(from: src, count: c * plane) }
                        }
                    }
                }
            }
            offset += c
        }
    }
}

/// Sum of all elements (shape `[1]`), accumulated in Double. Backward: `dx = dy` everywhere.
public func sum(_ x: Variable) -> Variable {
    let total = x.value.sum()
    return makeResult(Tensor(shape: [1], scalars: [Float(total)]), [x]) { out in
        x.accumulateGrad(Tensor(shape: x.shape, repeating: out.grad![0]))
    }
}

/// Mean of all elements (shape `[1]`), accumulated in Double. Backward: `dx = dy / count`.
public func mean(_ x: Variable) -> Variable {
    let count = x.value.count
    let total = x.value.sum()
    return makeResult(Tensor(shape: [1], scalars: [Float(total / Double(count))]), [x]) { out in
        x.accumulateGrad(Tensor(shape: x.shape, repeating: out.grad![0] / Float(count)))
    }
}
