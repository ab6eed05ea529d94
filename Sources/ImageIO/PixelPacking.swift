// Conversion between the codecs' interleaved integer samples and `Image`'s planar floats.
// Each function takes its unsafe buffers once and allocates only its one output array; nothing is
// allocated per pixel or per row. Single-threaded: callers parallelise across images.
import ImageCore

/// Interleaved 8-bit samples (`channels` colour samples per pixel, then one alpha sample when `alpha`)
/// → planar floats `v / 255`. With alpha, each colour value is composited over black: `v/255 · a/255`.
func planarImage(from8 src: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                 channels: Int, alpha: Bool) -> Image {
    let plane = width * height
    let stride = channels + (alpha ? 1 : 0)
    precondition(src.count == plane * stride, "Sample buffer holds \(src.count), expected \(plane * stride)")
    let pixels = [Float](unsafeUninitializedCapacity: plane * channels) { out, initialised in
        for c in 0 ..< channels {
            let base = c &* plane
            if alpha {
                for i in 0 ..< plane {
                    let p = i &* stride
                    // (v · a) / 65025 is the correctly rounded v/255 · a/255; equals v/255 when a = 255.
                    out[base &+ i] = Float(src[p &+ c]) * Float(src[p &+ channels]) / 65025
                }
            } else {
                for i in 0 ..< plane {
                    out[base &+ i] = Float(src[i &* stride &+ c]) / 255
                }
            }
        }
        initialised = plane * channels
    }
    return Image(channels: channels, height: height, width: width, pixels: pixels)
}

/// Interleaved 16-bit samples → planar floats `v / 65535`. A trailing alpha sample per pixel (when
/// `samplesPerPixel > channels`) is skipped: libpng's linear formats are already premultiplied.
func planarImage(from16 src: UnsafeBufferPointer<UInt16>, width: Int, height: Int,
                 channels: Int, samplesPerPixel stride: Int) -> Image {
    let plane = width * height
    precondition(src.count == plane * stride, "Sample buffer holds \(src.count), expected \(plane * stride)")
    let pixels = [Float](unsafeUninitializedCapacity: plane * channels) { out, initialised in
        for c in 0 ..< channels {
            let base = c &* plane
            for i in 0 ..< plane {
                out[base &+ i] = Float(src[i &* stride &+ c]) / 65535
            }
        }
        initialised = plane * channels
    }
    return Image(channels: channels, height: height, width: width, pixels: pixels)
}

/// Planar floats in [0, 1] → interleaved 8-bit samples, `round(v · 255)` (round half up).
/// The caller has checked the range (`countOutOfRange`).
func interleaved8(_ image: Image) -> [UInt8] {
    let plane = image.planeSize, channels = image.channels
    return image.pixels.withUnsafeBufferPointer { src in
        [UInt8](unsafeUninitializedCapacity: plane * channels) { out, initialised in
            for c in 0 ..< channels {
                let base = c &* plane
                for i in 0 ..< plane {
                    out[i &* channels &+ c] = UInt8(src[base &+ i] * 255 + 0.5)
                }
            }
            initialised = plane * channels
        }
    }
}

/// Planar floats in [0, 1] → interleaved 16-bit samples (host byte order), `round(v · 65535)`.
func interleaved16(_ image: Image) -> [UInt16] {
    let plane = image.planeSize, channels = image.channels
    return image.pixels.withUnsafeBufferPointer { src in
        [UInt16](unsafeUninitializedCapacity: plane * channels) { out, initialised in
            for c in 0 ..< channels {
                let base = c &* plane
                for i in 0 ..< plane {
                    out[i &* channels &+ c] = UInt16(src[base &+ i] * 65535 + 0.5)
                }
            }
            initialised = plane * channels
        }
    }
}

/// How many values lie outside [0, 1] (NaN and ±∞ included), and how many of those are not finite.
func countOutOfRange(_ pixels: [Float]) -> (outOfRange: Int, nonFinite: Int) {
    var outside = 0, nonFinite = 0
    pixels.withUnsafeBufferPointer { p in
        for v in p where !(v >= 0 && v <= 1) {
            outside &+= 1
            if !v.isFinite { nonFinite &+= 1 }
        }
    }
    return (outside, nonFinite)
}
