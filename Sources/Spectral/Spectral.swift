// Spectral — FFTW single-precision plans, real 2-D FFT, psfToOTF, FFT convolution.
// (This module is being filled in; see the open issues.)
