import Foundation
import ImageCore
import Tensors

/// 2-D convolution layer, NCHW: `(N, inputChannels, H, W) -> (N, outputChannels, OH, OW)` with
/// `OH = (H + 2·padding − dilation·(kernelSize − 1) − 1) / stride + 1`; parameters `weight`
/// `(outputChannels, inputChannels/groups, k, k)` and `bias` `(outputChannels)` (PyTorch names and
/// layouts). The activation is fused into the convolution's output pass.
public final class Conv2d: Layer {
    public let weight: Variable
    public let bias: Variable?
    public let stride: Int, padding: Int, dilation: Int, groups: Int
    public let activation: Activation

    /// - Parameters:
    ///   - initializer: weight distribution (fan-in `inputChannels/groups·k²`); biases start at zero.
    ///   - rng: the seeded generator the weights are drawn from (advanced).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, activation: Activation = .identity,
                initializer: Initializer = .heNormal, rng: inout SeededRNG) {
        precondition(inputChannels % groups == 0 && outputChannels % groups == 0,
                     "Conv2d: groups \(groups) must divide \(inputChannels) input and \(outputChannels) output channels")
        let k2 = kernelSize * kernelSize
        weight = Variable(initializer.make(shape: [outputChannels, inputChannels / groups, kernelSize, kernelSize],
                                           fanIn: inputChannels / groups * k2, fanOut: outputChannels / groups * k2, rng: &rng),
                          isParameter: true)
        self.bias = bias ? Variable(Tensor(shape: [outputChannels]), isParameter: true) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.activation = activation
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
               groups: groups, activation: activation)
    }
}

/// Transposed 2-D convolution layer (PyTorch `ConvTranspose2d`): `(N, inputChannels, H, W) ->
/// (N, outputChannels, (H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1, …)`;
/// `weight` `(inputChannels, outputChannels, k, k)`, `bias` `(outputChannels)`.
/// `kernelSize 3, stride 2, padding 1, outputPadding 1` doubles H and W (Keras `Conv2DTranspose(strides=2, padding="same")`).
public final class ConvTranspose2d: Layer {
    public let weight: Variable
    public let bias: Variable?
    public let stride: Int, padding: Int, outputPadding: Int, dilation: Int
    public let activation: Activation

    /// Fans follow PyTorch and Keras for transposed kernels: fan-in `outputChannels·k²`, fan-out `inputChannels·k²`.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, dilation: Int = 1, bias: Bool = true, activation: Activation = .identity,
                initializer: Initializer = .heNormal, rng: inout SeededRNG) {
        let k2 = kernelSize * kernelSize
        weight = Variable(initializer.make(shape: [inputChannels, outputChannels, kernelSize, kernelSize],
                                           fanIn: outputChannels * k2, fanOut: inputChannels * k2, rng: &rng),
                          isParameter: true)
        self.bias = bias ? Variable(Tensor(shape: [outputChannels]), isParameter: true) : nil
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.activation = activation
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding,
                        outputPadding: outputPadding, dilation: dilation, activation: activation)
    }
}

/// Layers applied in order; parameters are named by position (`"0.weight"`, `"2.bias"`, as PyTorch).
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public var namedParameters: [(name: String, variable: Variable)] {
        layers.enumerated().flatMap { prefixed(String($0.offset), $0.element) }
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        layers.reduce(x) { $1($0) }
    }
}

/// A pointwise activation as a layer (no parameters).
public final class ActivationLayer: Layer {
    public let activation: Activation
    public init(_ activation: Activation) { self.activation = activation }
    public var namedParameters: [(name: String, variable: Variable)] { [] }
    public func callAsFunction(_ x: Variable) -> Variable { NN.activation(x, activation) }
}

/// Max pooling as a layer; `stride` defaults to `kernelSize`.
public final class MaxPool2d: Layer {
    public let kernelSize: Int, stride: Int, padding: Int
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }
    public var namedParameters: [(name: String, variable: Variable)] { [] }
    public func callAsFunction(_ x: Variable) -> Variable { maxPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding) }
}

/// Upsampling by an integer factor (nearest or bilinear) as a layer.
public final class Upsample: Layer {
    public let scale: Int, bilinear: Bool
    public init(scale: Int, bilinear: Bool = false) {
        self.scale = scale
        self.bilinear = bilinear
    }
    public var namedParameters: [(name: String, variable: Variable)] { [] }
    public func callAsFunction(_ x: Variable) -> Variable { upsample(x, scale: scale, bilinear: bilinear) }
}

/// Pixel shuffle as a layer.
public final class PixelShuffle: Layer {
    public let factor: Int
    public init(factor: Int) { self.factor = factor }
    public var namedParameters: [(name: String, variable: Variable)] { [] }
    public func callAsFunction(_ x: Variable) -> Variable { pixelShuffle(x, factor: factor) }
}
