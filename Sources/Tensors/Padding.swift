import Foundation
import ImageCore

/// How `pad2d` fills the border. For a row `a b c d` padded by two on the left:
/// - `zero`:      `0 0 | a b c d`
/// - `reflect`:   `c b | a b c d` — mirror without repeating the edge: PyTorch `ReflectionPad2d` /
///                `F.pad(mode="reflect")`, NumPy `reflect`, OpenCV `BORDER_REFLECT_101`.
///                (Note: ImageCore's `BoundaryMode.reflect` is the *symmetric* one below.)
/// - `symmetric`: `b a | a b c d` — mirror repeating the edge (NumPy `symmetric`, MATLAB `symmetric`).
/// - `replicate`: `a a | a b c d`
public enum PaddingMode: String, Sendable, CaseIterable {
    case zero, reflect, symmetric, replicate

    /// Source index in `0..<n` for a possibly out-of-range `i`, or nil for zero padding.
    @inlinable
    public func sourceIndex(_ i: Int, count n: Int) -> Int? {
        if i >= 0 && i < n { return i }
        switch self {
        case .zero: return nil
        case .replicate: return i < 0 ? 0 : n - 1
        case .symmetric: return BoundaryMode.reflect.sourceIndex(i, count: n)
        case .reflect:
            if n == 1 { return 0 }
            let period = 2 * (n - 1)
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - m
        }
    }
}

/// Pads every plane: `input (N, C, H, W) -> output (N, C, H + top + bottom, W + left + right)`.
public func pad2dForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, planes: Int,
                         height h: Int, width w: Int, top: Int, bottom: Int, left: Int, right: Int, mode: PaddingMode) {
    let oh = h + top + bottom, ow = w + left + right
    let xs = (0 ..< ow).map { mode.sourceIndex($0 - left, count: w) }
    for p in 0 ..< planes {
        let src = input + p &* h &* w, dst = output + p &* oh &* ow
        for y in 0 ..< oh {
            let row = dst + y &* ow
            guard let sy = mode.sourceIndex(y - top, count: h) else { row.update(repeating: 0, count: ow); continue }
            let srow = src + sy &* w
            for x in 0 ..< ow { row[x] = xs[x].map { srow[$0] } ?? 0 }
        }
    }
}

/// Adjoint of `pad2dForward`: every padded position's gradient is added to its source.
/// `dOutput (N, C, H + top + bottom, W + left + right) -> dInput (N, C, H, W)` (overwritten, or added to with `accumulate`).
public func pad2dBackward(dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, planes: Int,
                          height h: Int, width w: Int, top: Int, bottom: Int, left: Int, right: Int,
                          mode: PaddingMode, accumulate: Bool = false) {
    let oh = h + top + bottom, ow = w + left + right
    let xs = (0 ..< ow).map { mode.sourceIndex($0 - left, count: w) }
    if !accumulate { dInput.update(repeating: 0, count: planes * h * w) }
    for p in 0 ..< planes {
        let src = dOutput + p &* oh &* ow, dst = dInput + p &* h &* w
        for y in 0 ..< oh {
            guard let sy = mode.sourceIndex(y - top, count: h) else { continue }
            let row = src + y &* ow, drow = dst + sy &* w
            for x in 0 ..< ow { if let sx = xs[x] { drow[sx] += row[x] } }
        }
    }
}

/// Pads the two spatial dimensions of a rank-4 tensor. Reflect padding needs `pad < size`
/// (as in PyTorch); other modes accept any width.
public func pad2d(_ input: Tensor, top: Int, bottom: Int, left: Int, right: Int, mode: PaddingMode = .zero) -> Tensor {
    precondition(input.rank == 4, "pad2d needs a rank-4 (N, C, H, W) input, got \(input.shape)")
    precondition(min(top, bottom, left, right) >= 0, "pad2d needs non-negative padding")
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    if mode == .reflect {
        precondition(max(top, bottom) < h && max(left, right) < w,
                     "Reflect padding must be smaller than the \(h)×\(w) input, got t\(top) b\(bottom) l\(left) r\(right)")
    }
    var out = Tensor.uninitialized(shape: [n, c, h + top + bottom, w + left + right])
    input.withUnsafeBufferPointer { x in
        out.withUnsafeMutableBufferPointer { y in
            pad2dForward(input: x.baseAddress!, output: y.baseAddress!, planes: n * c, height: h, width: w,
                         top: top, bottom: bottom, left: left, right: right, mode: mode)
        }
    }
    return out
}
