/// Shapes of one 2-D convolution (cross-correlation, as in PyTorch and Keras):
///
///     out[n, o, y, x] = bias[o] + Σ_{c, i, j} w[o, c, i, j] · in[n, g·C/G + c, y·sy − py + i·dy, x·sx − px + j·dx]
///
/// for output channel `o` in group `g = o / (OC/G)`, with zero outside the input. Layouts:
/// input `(N, C, H, W)`, weight `(OC, C/G, KH, KW)`, bias `(OC)`, output `(N, OC, OH, OW)` where
/// `OH = (H + 2·py − dy·(KH − 1) − 1) / sy + 1` (floor), and likewise for `OW`.
///
/// A transposed convolution is described by the geometry of the convolution it transposes
/// (see `Conv2dGeometry.transposed`): its input is that convolution's output and vice versa.
public struct Conv2dGeometry: Equatable, Sendable, CustomStringConvertible {
    public var batch: Int
    public var inputChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var outputChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideY: Int
    public var strideX: Int
    public var paddingY: Int
    public var paddingX: Int
    public var dilationY: Int
    public var dilationX: Int
    public var groups: Int

    /// Square kernel, stride, padding and dilation.
    public init(batch: Int, inputChannels: Int, inputHeight: Int, inputWidth: Int,
                outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1) {
        self.init(batch: batch, inputChannels: inputChannels, inputHeight: inputHeight, inputWidth: inputWidth,
                  outputChannels: outputChannels, kernelHeight: kernelSize, kernelWidth: kernelSize,
                  strideY: stride, strideX: stride, paddingY: padding, paddingX: padding,
                  dilationY: dilation, dilationX: dilation, groups: groups)
    }

    /// Every parameter per axis.
    public init(batch: Int, inputChannels: Int, inputHeight: Int, inputWidth: Int,
                outputChannels: Int, kernelHeight: Int, kernelWidth: Int,
                strideY: Int, strideX: Int, paddingY: Int, paddingX: Int,
                dilationY: Int = 1, dilationX: Int = 1, groups: Int = 1) {
        self.batch = batch
        self.inputChannels = inputChannels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.paddingY = paddingY
        self.paddingX = paddingX
        self.dilationY = dilationY
        self.dilationX = dilationX
        self.groups = groups
        precondition(batch >= 1 && inputChannels >= 1 && outputChannels >= 1,
                     "Convolution needs batch, input and output channels ≥ 1, got \(self)")
        precondition(kernelHeight >= 1 && kernelWidth >= 1 && strideY >= 1 && strideX >= 1
                     && dilationY >= 1 && dilationX >= 1 && paddingY >= 0 && paddingX >= 0,
                     "Convolution needs kernel, stride, dilation ≥ 1 and padding ≥ 0, got \(self)")
        precondition(groups >= 1 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "Groups (\(groups)) must divide input (\(inputChannels)) and output (\(outputChannels)) channels")
        precondition(outputHeight >= 1 && outputWidth >= 1,
                     "The \(kernelHeight)×\(kernelWidth) kernel (dilation \(dilationY)) does not fit the padded \(inputHeight)×\(inputWidth) input")
    }

    /// The convolution whose transpose maps `(N, inputChannels, inputHeight, inputWidth)` to
    /// `(N, outputChannels, OH, OW)` with `OH = (H − 1)·s − 2p + d·(k − 1) + outputPadding + 1`,
    /// as PyTorch's `ConvTranspose2d` (weight `(inputChannels, outputChannels, k, k)`).
    /// `outputPadding` (< stride) adds rows/columns at the bottom/right, e.g. `k 3, s 2, p 1,
    /// outputPadding 1` doubles the size like Keras `Conv2DTranspose(padding="same", strides=2)`.
    public static func transposed(batch: Int, inputChannels: Int, inputHeight: Int, inputWidth: Int,
                                  outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                                  outputPadding: Int = 0, dilation: Int = 1) -> Conv2dGeometry {
        precondition(outputPadding >= 0 && (outputPadding < stride || outputPadding < dilation),
                     "Output padding must be smaller than the stride or the dilation, got \(outputPadding) with stride \(stride)")
        let oh = (inputHeight - 1) * stride - 2 * padding + dilation * (kernelSize - 1) + outputPadding + 1
        let ow = (inputWidth - 1) * stride - 2 * padding + dilation * (kernelSize - 1) + outputPadding + 1
        precondition(oh >= 1 && ow >= 1, "Transposed convolution output would be \(oh)×\(ow)")
        let g = Conv2dGeometry(batch: batch, inputChannels: outputChannels, inputHeight: oh, inputWidth: ow,
                               outputChannels: inputChannels, kernelSize: kernelSize, stride: stride,
                               padding: padding, dilation: dilation)
        precondition(g.outputHeight == inputHeight && g.outputWidth == inputWidth,
                     "Transposed convolution geometry is inconsistent: \(g)")
        return g
    }

    @inlinable public var outputHeight: Int { (inputHeight + 2 * paddingY - dilationY * (kernelHeight - 1) - 1) / strideY + 1 }
    @inlinable public var outputWidth: Int { (inputWidth + 2 * paddingX - dilationX * (kernelWidth - 1) - 1) / strideX + 1 }
    /// Elements of one input image, `C·H·W`.
    @inlinable public var inputImageSize: Int { inputChannels * inputHeight * inputWidth }
    /// Elements of one output image, `OC·OH·OW`.
    @inlinable public var outputImageSize: Int { outputChannels * outputPlane }
    /// Output pixels per channel, `OH·OW`: the columns of the im2col matrix.
    @inlinable public var outputPlane: Int { outputHeight * outputWidth }
    /// Rows of the im2col matrix for one group, `(C/G)·KH·KW`.
    @inlinable public var patchSize: Int { inputChannels / groups * kernelHeight * kernelWidth }
    /// Elements of the weight, `OC·(C/G)·KH·KW`.
    @inlinable public var weightCount: Int { outputChannels * patchSize }
    /// True when im2col is the identity (1×1 kernel, stride 1, no padding, one group).
    @inlinable public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideY == 1 && strideX == 1 && paddingY == 0 && paddingX == 0
    }
    /// Multiply–adds of the forward pass (each is 2 FLOPs).
    public var multiplyAdds: Int { batch * outputChannels * outputPlane * patchSize }

    public var description: String {
        "conv(N \(batch), \(inputChannels)×\(inputHeight)×\(inputWidth) → \(outputChannels)×\(outputHeight)×\(outputWidth), "
            + "k \(kernelHeight)×\(kernelWidth), s \(strideY)×\(strideX), p \(paddingY)×\(paddingX), d \(dilationY)×\(dilationX), g \(groups))"
    }
}
