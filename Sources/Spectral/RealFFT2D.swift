import CFFTW

/// The real 2-D discrete Fourier transform of one `height × width` shape (FFTW single precision).
///
/// Forward: X[u, v] = Σ_y Σ_x x[y, x] · exp(−2πi (u y / height + v x / width)), unnormalised,
/// stored as the half-spectrum of `Spectrum`. Inverse: the conjugate transform divided by
/// `height · width`, so `inverse(forward(x)) == x` up to rounding (≤ 1e-5 for values in [0, 1]).
///
/// Creating a `RealFFT2D` fetches (or plans, under a lock) the cached FFTW plans of its shape;
/// it is cheap to create and safe to use from any number of threads at once. FFTW itself runs
/// single-threaded: callers parallelise over channels or images.
public struct RealFFT2D: Sendable {
    public let height: Int
    public let width: Int
    let forwardPlan: FFTPlan
    let inversePlan: FFTPlan

    public init(height: Int, width: Int) {
        precondition(height > 0 && width > 0, "FFT shape must be positive, got \(height)×\(width)")
        self.height = height
        self.width = width
        forwardPlan = PlanCache.shared.plan(height: height, width: width, direction: .forward)
        inversePlan = PlanCache.shared.plan(height: height, width: width, direction: .inverse)
    }

    /// Forward transform of `input` into `output` (no allocation when `output` is uniquely owned).
    public func forward(_ input: RealPlane, into output: inout Spectrum) {
        precondition(input.height == height && input.width == width,
                     "Plane \(input.height)×\(input.width) given to a \(height)×\(width) FFT")
        precondition(output.height == height && output.width == width,
                     "Spectrum \(output.height)×\(output.width) given to a \(height)×\(width) FFT")
        // r2c preserves its input (FFTW's default for r2c), so the shared plane is only read.
        let source = input.storage.pointer
        let destination = UnsafeMutablePointer<fftwf_complex>(OpaquePointer(output.mutableBasePointer()))
        fftwf_execute_dft_r2c(forwardPlan.pointer, source, destination)
    }

    /// Forward transform of `input`.
    public func forward(_ input: RealPlane) -> Spectrum {
        var out = Spectrum(height: height, width: width)
        forward(input, into: &out)
        return out
    }

    /// Inverse transform, scaled by 1 / (height · width), of `spectrum` into `output`.
    /// FFTW's multi-dimensional c2r overwrites its input: afterwards `spectrum` holds garbage.
    /// Use this form in iterations, on a scratch spectrum (e.g. the product you just formed).
    public func inverse(destroying spectrum: inout Spectrum, into output: inout RealPlane) {
        precondition(spectrum.height == height && spectrum.width == width,
                     "Spectrum \(spectrum.height)×\(spectrum.width) given to a \(height)×\(width) FFT")
        precondition(output.height == height && output.width == width,
                     "Plane \(output.height)×\(output.width) given to a \(height)×\(width) FFT")
        let source = UnsafeMutablePointer<fftwf_complex>(OpaquePointer(spectrum.mutableBasePointer()))
        let destination = output.mutableBasePointer()
        fftwf_execute_dft_c2r(inversePlan.pointer, source, destination)
        let n = height * width
        let scale = 1 / Float(n)
        for i in 0 ..< n { destination[i] *= scale }
    }

    /// Inverse transform (scaled by 1 / (height · width)); `spectrum` is left unchanged.
    public func inverse(_ spectrum: Spectrum) -> RealPlane {
        var scratch = spectrum
        _ = scratch.mutableBasePointer()   // private copy: c2r destroys its input
        var out = RealPlane(height: height, width: width)
        inverse(destroying: &scratch, into: &out)
        return out
    }
}
