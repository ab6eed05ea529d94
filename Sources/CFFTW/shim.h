#include <fftw3.h>
/// FFTW's version string (`fftwf_version` is an array of unknown size, which Swift cannot import).
static inline const char *deblur_fftwf_version(void) { return fftwf_version; }
