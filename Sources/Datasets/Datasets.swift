// Datasets — Dataset folder layouts, the seeded scene-level split and its manifest.
// (This module is being filled in; see the open issues.)
