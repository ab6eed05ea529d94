/// How values outside an image are defined, for padding and convolution.
///
/// For a row `a b c d`, two pixels of padding on the left give:
/// - `zero`:      `0 0 | a b c d`
/// - `reflect`:   `b a | a b c d` (half-sample symmetric: MATLAB `padarray(..., 'symmetric')`,
///                 SciPy `ndimage` mode `reflect`, NumPy `pad` mode `symmetric`)
/// - `replicate`: `a a | a b c d` (SciPy `nearest`, NumPy `edge`)
/// - `periodic`:  `c d | a b c d` (circular; what a plain FFT assumes)
public enum BoundaryMode: String, Sendable, CaseIterable, Codable {
    case zero, reflect, replicate, periodic

    /// Maps a possibly out-of-range index to `0..<n`, or nil for `zero` outside the image.
    /// Works for any distance outside the image (reflection repeats with period 2n).
    @inlinable
    public func sourceIndex(_ i: Int, count n: Int) -> Int? {
        if i >= 0 && i < n { return i }
        switch self {
        case .zero:
            return nil
        case .replicate:
            return i < 0 ? 0 : n - 1
        case .periodic:
            let m = i % n
            return m < 0 ? m + n : m
        case .reflect:
            let period = 2 * n
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - 1 - m
        }
    }
}
