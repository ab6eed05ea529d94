// Metrics — Full-reference image-quality metrics, one per file, each naming its variant.
// (This module is being filled in; see the open issues.)
