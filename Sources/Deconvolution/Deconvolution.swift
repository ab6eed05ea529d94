// Deconvolution — Classical non-blind deconvolution: one algorithm per file.
// (This module is being filled in; see the open issues.)
