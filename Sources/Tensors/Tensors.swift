// Tensors — NCHW Float32 tensors, raw kernels (im2col + sgemm convolution, pooling) and safetensors I/O.
// (This module is being filled in; see the open issues.)
