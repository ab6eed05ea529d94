// Blur — PSF type, PSF generators and synthetic degradation without inverse crime.
// (This module is being filled in; see the open issues.)
