// ImageIO — PNG and JPEG reading and writing through libpng and TurboJPEG.
// (This module is being filled in; see the open issues.)
