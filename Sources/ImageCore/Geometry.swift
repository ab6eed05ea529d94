/// Cropping, padding and resizing. All functions return new images and never modify values.

extension Image {
    /// The `width × height` region whose top-left corner is at (`x`, `y`).
    /// - Throws: `ImageCoreError.cropOutOfBounds` when the region leaves the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) throws -> Image {
        guard w > 0, h > 0 else { throw ImageCoreError.invalidSize(width: w, height: h) }
        guard x >= 0, y >= 0, x + w <= width, y + h <= height else {
            throw ImageCoreError.cropOutOfBounds(x: x, y: y, width: w, height: h,
                                                 imageWidth: width, imageHeight: height)
        }
        var out = Image(channels: channels, height: h, width: w)
        for c in 0 ..< channels {
            for row in 0 ..< h {
                let src = (c * height + y + row) * width + x
                let dst = (c * h + row) * w
                for col in 0 ..< w { out.pixels[dst + col] = pixels[src + col] }
            }
        }
        return out
    }

    /// The central `width × height` region (offsets rounded down).
    public func centerCropped(width w: Int, height h: Int) throws -> Image {
        try cropped(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    }

    /// Pads each side by the given number of pixels using `mode`. Any amount is valid for
    /// every mode: reflection and periodic extension repeat as often as needed.
    public func padded(top: Int, bottom: Int, left: Int, right: Int, mode: BoundaryMode) -> Image {
        precondition(top >= 0 && bottom >= 0 && left >= 0 && right >= 0,
                     "Padding must be non-negative, got top \(top) bottom \(bottom) left \(left) right \(right)")
        let oh = height + top + bottom, ow = width + left + right
        var out = Image(channels: channels, height: oh, width: ow)
        out.pixels.withUnsafeMutableBufferPointer { o in
            pixels.withUnsafeBufferPointer { p in
                for c in 0 ..< channels {
                    padPlane(p.baseAddress! + c * planeSize, height: height, width: width,
                             into: o.baseAddress! + c * oh * ow, height: oh, width: ow, top: top, left: left, mode: mode)
                }
            }
        }
        return out
    }

    /// The adjoint of `padded(top:bottom:left:right:mode:)`: this image is a padded one, and each
    /// of its pixels is added back onto the pixel of the `height × width` original it was copied
    /// from (`.zero` padding simply crops). Used to build exact adjoints of boundary-aware operators.
    public func paddingAdjoint(top: Int, left: Int, height h: Int, width w: Int, mode: BoundaryMode) -> Image {
        precondition(top >= 0 && left >= 0 && top + h <= height && left + w <= width,
                     "paddingAdjoint: a \(w)×\(h) original at (\(left), \(top)) does not fit in \(width)×\(height)")
        var out = Image(channels: channels, height: h, width: w)
        let colSource = (0 ..< width).map { mode.sourceIndex($0 - left, count: w) }
        for c in 0 ..< channels {
            for row in 0 ..< height {
                guard let sy = mode.sourceIndex(row - top, count: h) else { continue }
                let src = (c * height + row) * width
                let dst = (c * h + sy) * w
                for col in 0 ..< width {
                    if let sx = colSource[col] { out.pixels[dst + sx] += pixels[src + col] }
                }
            }
        }
        return out
    }

    /// Pads every side by `amount`.
    public func padded(by amount: Int, mode: BoundaryMode) -> Image {
        padded(top: amount, bottom: amount, left: amount, right: amount, mode: mode)
    }

    /// Resamples to `width × height`.
    /// - `area`: each output pixel is the area-weighted mean of the input pixels it covers
    ///   (OpenCV `INTER_AREA`); the right choice for shrinking.
    /// - `bilinear`: pixel-centre aligned bilinear interpolation (OpenCV `INTER_LINEAR`,
    ///   PyTorch `align_corners=False`), edges replicated.
    public func resized(width ow: Int, height oh: Int, method: ResizeMethod = .area) throws -> Image {
        guard ow > 0, oh > 0 else { throw ImageCoreError.invalidSize(width: ow, height: oh) }
        switch method {
        case .area: return resizedArea(width: ow, height: oh)
        case .bilinear: return resizedBilinear(width: ow, height: oh)
        }
    }

    private func resizedArea(width ow: Int, height oh: Int) -> Image {
        // Separable: the weights of an output pixel along one axis are the overlaps of
        // [o*s, (o+1)*s) with each unit input interval, normalised by s.
        func weights(input n: Int, output m: Int) -> [[(Int, Float)]] {
            let scale = Double(n) / Double(m)
            return (0 ..< m).map { o in
                let lo = Double(o) * scale, hi = Double(o + 1) * scale
                var taps: [(Int, Float)] = []
                var i = Int(lo.rounded(.down))
                while Double(i) < hi && i < n {
                    let overlap = min(hi, Double(i + 1)) - max(lo, Double(i))
                    if overlap > 1e-12 { taps.append((i, Float(overlap / scale))) }
                    i += 1
                }
                return taps
            }
        }
        return separableResample(width: ow, height: oh,
                                 rowTaps: weights(input: height, output: oh),
                                 colTaps: weights(input: width, output: ow))
    }

    private func resizedBilinear(width ow: Int, height oh: Int) -> Image {
        func weights(input n: Int, output m: Int) -> [[(Int, Float)]] {
            let scale = Double(n) / Double(m)
            return (0 ..< m).map { o in
                let src = max((Double(o) + 0.5) * scale - 0.5, 0)
                let i0 = min(Int(src.rounded(.down)), n - 1)
                let i1 = min(i0 + 1, n - 1)
                let t = Float(src - Double(i0))
                return i0 == i1 ? [(i0, Float(1))] : [(i0, 1 - t), (i1, t)]
            }
        }
        return separableResample(width: ow, height: oh,
                                 rowTaps: weights(input: height, output: oh),
                                 colTaps: weights(input: width, output: ow))
    }

    private func separableResample(width ow: Int, height oh: Int,
                                   rowTaps: [[(Int, Float)]], colTaps: [[(Int, Float)]]) -> Image {
        var out = Image(channels: channels, height: oh, width: ow)
        var rowBuffer = [Float](repeating: 0, count: width)
        for c in 0 ..< channels {
            for oy in 0 ..< oh {
                for x in 0 ..< width { rowBuffer[x] = 0 }
                for (sy, wy) in rowTaps[oy] {
                    let base = (c * height + sy) * width
                    for x in 0 ..< width { rowBuffer[x] += wy * pixels[base + x] }
                }
                let dst = (c * oh + oy) * ow
                for ox in 0 ..< ow {
                    var acc: Float = 0
                    for (sx, wx) in colTaps[ox] { acc += wx * rowBuffer[sx] }
                    out.pixels[dst + ox] = acc
                }
            }
        }
        return out
    }
}

/// Resampling filter for `Image.resized`.
public enum ResizeMethod: String, Sendable, CaseIterable {
    case area, bilinear
}

/// Pads one plane: writes the `height × width` plane `source` into the `outHeight × outWidth`
/// plane `destination` with its top-left corner at (`left`, `top`), filling the rest by `mode`
/// (zero padding writes the zeros too). The interior rows are straight copies.
public func padPlane(_ source: UnsafePointer<Float>, height: Int, width: Int,
                     into destination: UnsafeMutablePointer<Float>, height outHeight: Int, width outWidth: Int,
                     top: Int, left: Int, mode: BoundaryMode) {
    precondition(top >= 0 && left >= 0 && top + height <= outHeight && left + width <= outWidth,
                 "padPlane: a \(width)×\(height) plane at (\(left), \(top)) does not fit in \(outWidth)×\(outHeight)")
    let colSource = (0 ..< outWidth).map { mode.sourceIndex($0 - left, count: width) ?? -1 }
    let right = left + width
    colSource.withUnsafeBufferPointer { cols in
        for row in 0 ..< outHeight {
            let out = destination + row * outWidth
            guard let sy = mode.sourceIndex(row - top, count: height) else {
                out.initialize(repeating: 0, count: outWidth)
                continue
            }
            let src = source + sy * width
            for col in 0 ..< left { let sx = cols[col]; out[col] = sx >= 0 ? src[sx] : 0 }
            (out + left).update(from: src, count: width)
            for col in right ..< outWidth { let sx = cols[col]; out[col] = sx >= 0 ? src[sx] : 0 }
        }
    }
}
