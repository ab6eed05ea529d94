#include <stdio.h>
#include <turbojpeg.h>
#if __has_include(<jconfig.h>)
#include <jconfig.h>
#endif
/// libjpeg-turbo's version number (e.g. 2001005 for 2.1.5) at build time, or 0 when unknown.
static inline int deblur_turbojpeg_version_number(void) {
#ifdef LIBJPEG_TURBO_VERSION_NUMBER
    return LIBJPEG_TURBO_VERSION_NUMBER;
#else
    return 0;
#endif
}
