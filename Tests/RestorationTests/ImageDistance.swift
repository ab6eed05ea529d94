import ImageCore

/// The largest absolute difference between two images' samples (same shape): how two runs of a learned
/// method are compared, since OpenBLAS's process-wide thread count — changed by tests running in
/// parallel — can change sgemm's rounding.
func maxAbsDifference(_ a: Image, _ b: Image) -> Float {
    precondition(a.pixels.count == b.pixels.count, "images of different sizes")
    return zip(a.pixels, b.pixels).map { abs($0 - $1) }.max() ?? 0
}
