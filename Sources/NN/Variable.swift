import Foundation
import Tensors

/// A tensor in a computation, with the gradient reverse-mode differentiation gives it.
///
/// Three kinds:
/// - **parameters** (`Variable(_:isParameter: true)`): leaves whose `grad` the optimiser reads;
///   gradients accumulate across backward passes until `zeroGrad`.
/// - **inputs on a tape** (`tape.input(_:)`): leaves that put every operation using them on the tape.
/// - **results** of operations: recorded on the tape of their operands, if any operand has one.
///
/// An operation is recorded only when some operand is on a tape and some operand needs a gradient;
/// without a tape (inference) nothing is kept and no memory is spent on the backward pass.
public final class Variable {
    /// The current value.
    public var value: Tensor
    /// ∂loss/∂value after `Tape.backward`; nil when no gradient has reached it.
    public var grad: Tensor?
    /// True for trainable leaves.
    public let isParameter: Bool
    /// True when a gradient must be computed for this variable (a parameter, or depends on one).
    public let needsGrad: Bool
    /// The tape recording operations on this variable (weak: dropping the tape ends recording).
    public private(set) weak var tape: Tape?

    /// A leaf: a parameter when `isParameter`, else a constant (not recorded unless put on a tape).
    public init(_ value: Tensor, isParameter: Bool = false) {
        self.value = value
        self.isParameter = isParameter
        self.needsGrad = isParameter
        self.tape = nil
    }

    init(_ value: Tensor, tape: Tape?, needsGrad: Bool) {
        self.value = value
        self.isParameter = false
        self.needsGrad = needsGrad
        self.tape = tape
    }

    /// A constant on this variable's tape (if any): operations mixing it with parameters are then
    /// recorded, as they would be with the variable itself. For inputs a network transforms before
    /// its first layer (e.g. a pixel unshuffle of the input).
    public func constant(_ value: Tensor) -> Variable {
        Variable(value, tape: tape, needsGrad: false)
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }

    /// Adds `gradient` (of this variable's shape) to `grad`, taking ownership when `grad` is empty.
    public func accumulateGrad(_ gradient: Tensor) {
        precondition(gradient.shape == value.shape, "Gradient shape \(gradient.shape) differs from value shape \(value.shape)")
        guard grad != nil else { grad = gradient; return }
        let src = gradient.unsafePointer
        let dst = grad!.unsafeMutablePointer()
        withExtendedLifetime(gradient) { forEachChunk(gradient.count) { r in for i in r { dst[i] += src[i] } } }
    }

    /// Gives `body` this variable's gradient buffer and whether it already holds a gradient
    /// (`accumulate == true`: add to it) or is freshly allocated with undefined contents
    /// (`accumulate == false`: overwrite every element).
    public func withGradBuffer(_ body: (_ buffer: UnsafeMutablePointer<Float>, _ accumulate: Bool) -> Void) {
        let accumulate = grad != nil
        if !accumulate { grad = Tensor.uninitialized(shape: value.shape) }
        body(grad!.unsafeMutablePointer(), accumulate)
    }
}

/// Records operations for one forward pass and replays their backward functions in reverse.
///
///     let tape = Tape()
///     let x = tape.input(batch)
///     let loss = mseLoss(model(x), target: sharp)
///     tape.backward(from: loss)      // fills every parameter's grad, then forgets the graph
public final class Tape {
    private struct Entry {
        let output: Variable
        let backward: (Variable) -> Void
    }
    private var entries: [Entry] = []

    public init() {}

    /// An input whose downstream operations are recorded on this tape. With `requiresGrad` the
    /// backward pass also fills its `grad` (e.g. for gradient checks or input saliency).
    public func input(_ value: Tensor, requiresGrad: Bool = false) -> Variable {
        Variable(value, tape: self, needsGrad: requiresGrad)
    }

    /// Number of operations recorded since the last backward pass.
    public var operationCount: Int { entries.count }

    func record(_ output: Variable, _ backward: @escaping (Variable) -> Void) {
        entries.append(Entry(output: output, backward: backward))
    }

    /// Back-propagates from a one-element `loss` (its gradient is seeded with 1): runs every recorded
    /// operation's backward function in reverse order, accumulating into parameters' `grad`.
    /// Intermediate gradients are released as soon as they have been used, and the tape is
    /// cleared afterwards (activations are freed with it).
    public func backward(from loss: Variable) {
        precondition(loss.value.count == 1, "backward(from:) needs a one-element loss, got shape \(loss.shape)")
        precondition(loss.needsGrad, "The loss does not depend on any parameter; nothing to differentiate")
        loss.grad = Tensor(shape: loss.shape, repeating: 1)
        for entry in entries.reversed() where entry.output.grad != nil {
            entry.backward(entry.output)
            entry.output.grad = nil
        }
        entries.removeAll()
    }

    /// Forgets recorded operations without back-propagating (e.g. after a validation pass on a tape).
    public func reset() { entries.removeAll() }
}

/// Creates the result of an operation: recorded on the operands' tape when one of them is on a
/// tape and one needs a gradient. `backward` receives the output (with its `grad` set) and adds
/// each operand's gradient contribution with `accumulateGrad` / `withGradBuffer`.
func makeResult(_ value: Tensor, _ operands: [Variable?], backward: @escaping (Variable) -> Void) -> Variable {
    var tape: Tape?
    var needsGrad = false
    for case let operand? in operands {
        if let t = operand.tape {
            precondition(tape == nil || tape === t, "Operands are recorded on different tapes")
            tape = t
        }
        needsGrad = needsGrad || operand.needsGrad
    }
    guard let tape, needsGrad else { return Variable(value, tape: tape, needsGrad: false) }
    let out = Variable(value, tape: tape, needsGrad: true)
    tape.record(out, backward)
    return out
}

/// Gradient buffers for a kernel that writes several gradients in one call without accumulating:
/// a variable without a gradient gets its own fresh buffer; one that already has a gradient gets a
/// scratch buffer that `finish()` adds to it. Keep the value alive until `finish()`.
struct GradientTargets {
    private var pending: [(Variable, Tensor)] = []

    /// The buffer to write `v`'s gradient into, or nil when `v` needs none.
    mutating func buffer(for v: Variable?) -> UnsafeMutablePointer<Float>? {
        guard let v, v.needsGrad else { return nil }
        if v.grad == nil {
            v.grad = Tensor.uninitialized(shape: v.shape)
            return v.grad!.unsafeMutablePointer()
        }
        var scratch = Tensor.uninitialized(shape: v.shape)
        let p = scratch.unsafeMutablePointer()
        pending.append((v, scratch))
        return p
    }

    /// Adds the scratch buffers to their variables' gradients.
    func finish() {
        for (v, scratch) in pending { v.accumulateGrad(scratch) }
    }
}
