import Foundation
import ImageCore
import Testing
@testable import NN
@testable import Tensors

@Suite("Learning and checkpoints")
struct TrainingTests {
    /// A small conv net: 3→12→12→3 channels, 3×3, ReLU, residual output.
    final class TinyNet: Module {
        let c1: Conv2d, c2: Conv2d, c3: Conv2d
        init(seed: UInt64) {
            var rng = SeededRNG(seed: seed)
            c1 = Conv2d(inputChannels: 3, outputChannels: 12, kernelSize: 3, padding: 1, activation: .relu, rng: &rng)
            c2 = Conv2d(inputChannels: 12, outputChannels: 12, kernelSize: 3, padding: 1, activation: .relu, rng: &rng)
            c3 = Conv2d(inputChannels: 12, outputChannels: 3, kernelSize: 3, padding: 1, rng: &rng)
        }
        var namedParameters: [(name: String, variable: Variable)] { prefixed("c1", c1) + prefixed("c2", c2) + prefixed("c3", c3) }
        func callAsFunction(_ x: Variable) -> Variable { x + c3(c2(c1(x))) }
    }

    @Test("a small conv net overfits one fixed batch: loss falls at least 100×")
    func overfit() {
        let net = TinyNet(seed: 1)
        let input = Ref.random([4, 3, 12, 12], seed: 2)
        // Target: a fixed 3×3 blur-and-mix of the input (learnable, not the identity).
        var rng = SeededRNG(seed: 3)
        let mixing = Initializer.glorotUniform.make(shape: [3, 3, 3, 3], fanIn: 27, fanOut: 27, rng: &rng)
        let target = conv2d(input, weight: mixing, padding: 1)
        let opt = Adam(parameters: net.parameters, learningRate: 1e-2)
        var first = 0.0, last = 0.0
        for step in 0 ..< 300 {
            let tape = Tape()
            let loss = mseLoss(net(tape.input(input)), target: target)
            if step == 0 { first = Double(loss.value[0]) }
            last = Double(loss.value[0])
            opt.zeroGrad()
            tape.backward(from: loss)
            opt.step()
        }
        #expect(first / last >= 100, "loss \(first) → \(last)")
    }

    @Test("checkpoint round trip gives identical outputs; wrong architecture is a named error")
    func checkpoint() throws {
        let net = TinyNet(seed: 4), copy = TinyNet(seed: 5)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nn-ckpt-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try net.save(to: url, metadata: ["architecture": "tiny", "seed": "4"])
        let x = Variable(Ref.random([1, 3, 9, 11], seed: 6))
        #expect(net(x).value != copy(x).value)
        let metadata = try copy.load(from: url)
        #expect(metadata["architecture"] == "tiny")
        #expect(net(x).value == copy(x).value)
        #expect(net.parameterCount == 2 * (3 * 12 * 9 + 12) + 12 * 12 * 9 + 3 * 12 * 9 + 3 - 12 * 3 * 9 - 12 + 12)

        final class Wider: Module {
            let c1: Conv2d
            init() { var rng = SeededRNG(seed: 1); c1 = Conv2d(inputChannels: 3, outputChannels: 16, kernelSize: 3, rng: &rng) }
            var namedParameters: [(name: String, variable: Variable)] { prefixed("c1", c1) }
        }
        #expect(throws: NNError.parameterShape(name: "c1.weight", expected: [16, 3, 3, 3], actual: [12, 3, 3, 3], source: url.path)) {
            try Wider().load(from: url)
        }
        let sequential = Sequential([Conv2d(inputChannels: 3, outputChannels: 3, kernelSize: 1, rng: &Self.rng)])
        #expect(throws: NNError.missingParameter(name: "0.weight", source: url.path)) { try sequential.load(from: url) }
    }

    nonisolated(unsafe) static var rng = SeededRNG(seed: 9)

    @Test("inference without a tape records nothing; a tape records and clears")
    func tapeBookkeeping() {
        let net = TinyNet(seed: 7)
        let y = net(Variable(Ref.random([1, 3, 5, 5], seed: 8)))
        #expect(y.tape == nil && !y.needsGrad)
        let tape = Tape()
        let loss = mean(net(tape.input(Ref.random([1, 3, 5, 5], seed: 8))))
        #expect(tape.operationCount == 5)  // three convs, the residual add, the mean
        tape.backward(from: loss)
        #expect(tape.operationCount == 0)
        #expect(net.parameters.allSatisfy { $0.grad != nil })
    }
}
