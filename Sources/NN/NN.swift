// NN — Tape-based autograd, layers, losses, optimisers and schedulers on top of Tensors.
// (This module is being filled in; see the open issues.)
