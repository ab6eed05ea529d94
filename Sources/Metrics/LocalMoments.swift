// The windowed moments that SSIM, MS-SSIM and VIF are built from, computed one output row at a time
// over a band of rows: a shared schedule, so the metrics differ only in what they do per pixel.

/// Scalars the moment ring runs in, each with its unrolled row filters (`SeparableFilter.swift`):
/// Float for SSIM and MS-SSIM, Double for VIF.
protocol MomentScalar: BinaryFloatingPoint {
    static func filterRow(_ src: UnsafePointer<Self>, _ dst: UnsafeMutablePointer<Self>, count: Int,
                          taps: UnsafePointer<Self>, radius: Int)
    static func filterColumns(_ base: UnsafePointer<Self>, stride: Int, _ dst: UnsafeMutablePointer<Self>,
                              count: Int, taps: UnsafePointer<Self>, radius: Int)
}

/// One output row of windowed moments, each `width − k + 1` values: μx = w ⋆ x', μy = w ⋆ y',
/// and the raw second moments w ⋆ x'², w ⋆ y'², w ⋆ x'y' (x' = x − shift, y' = y − shift).
struct LocalMoments<T: MomentScalar> {
    let meanX: UnsafeMutablePointer<T>, meanY: UnsafeMutablePointer<T>
    let squareX: UnsafeMutablePointer<T>, squareY: UnsafeMutablePointer<T>, product: UnsafeMutablePointer<T>
}

/// Calls `body(r, moments)` for each output row r in `rows` of the 'valid' correlation of the
/// five products (x', y', x'², y'², x'y') with the separable window `taps ⊗ taps` (k = 2·radius + 1).
///
/// Shape contract: x, y are row-major planes `width` wide holding at least rows.upperBound + k − 1
/// rows; output rows are `width − k + 1` wide; `moments` is valid only during the call.
///
/// Schedule: each input row is expanded once into the five products, filtered horizontally into a
/// ring of 2k row slots — row i goes to slots i mod k and (i mod k) + k, so input rows r … r+k−1 are
/// always k consecutive slots (one base pointer for the vertical pass) — and each output row is the
/// vertical filter over the ring. Scratch is allocated once per call (one band).
@inline(__always)
func forEachLocalMomentRow<T: MomentScalar>(x: UnsafePointer<T>, y: UnsafePointer<T>, width: Int,
                                            taps: UnsafePointer<T>, radius: Int, rows: Range<Int>, shift: T,
                                            _ body: (_ row: Int, _ moments: LocalMoments<T>) -> Void) {
    let k = 2 * radius + 1
    let rowWidth = width, ringWidth = width - k + 1   // product rows, filtered rows
    let scratchCount = 5 * rowWidth + 2 * k * 5 * ringWidth + 5 * ringWidth
    let scratch = UnsafeMutablePointer<T>.allocate(capacity: scratchCount)
    scratch.initialize(repeating: 0, count: scratchCount)
    defer { scratch.deallocate() }
    let products = scratch
    let ring = products + 5 * rowWidth
    let stats = ring + 2 * k * 5 * ringWidth
    let moments = LocalMoments(meanX: stats, meanY: stats + ringWidth, squareX: stats + 2 * ringWidth,
                               squareY: stats + 3 * ringWidth, product: stats + 4 * ringWidth)
    let slotStride = 5 &* ringWidth
    for i in rows.lowerBound ..< rows.upperBound + k - 1 {
        // 1. The five products of input row i.
        let xr = x + i &* width, yr = y + i &* width
        let pa = products, pb = pa + rowWidth, paa = pb + rowWidth, pbb = paa + rowWidth, pab = pbb + rowWidth
        for j in 0 ..< width {
            let a = xr[j] - shift, b = yr[j] - shift
            pa[j] = a; pb[j] = b; paa[j] = a * a; pbb[j] = b * b; pab[j] = a * b
        }
        // 2. Horizontal filter into both of the row's ring slots.
        let slot = ring + (i % k) &* slotStride
        for m in 0 ..< 5 {
            T.filterRow(products + m &* rowWidth, slot + m &* ringWidth, count: ringWidth, taps: taps, radius: radius)
        }
        (slot + k &* slotStride).update(from: slot, count: slotStride)
        guard i >= rows.lowerBound + k - 1 else { continue }
        // 3. Output row r: vertical filter over input rows r … r+k−1.
        let r = i - (k - 1)
        let first = ring + (r % k) &* slotStride
        for m in 0 ..< 5 {
            T.filterColumns(first + m &* ringWidth, stride: slotStride, stats + m &* ringWidth,
                            count: ringWidth, taps: taps, radius: radius)
        }
        body(r, moments)
    }
}
