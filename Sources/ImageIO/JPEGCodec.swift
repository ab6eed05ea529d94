import CTurboJPEG
import Foundation
import ImageCore

/// JPEG through TurboJPEG. Decoding is strict: any libjpeg warning (for example "Premature end of
/// JPEG file" on a truncated download) is an error, because the pixels it returns are partly invented.
/// Grayscale JPEGs decode to one channel, everything else to RGB. Encoding uses the accurate integer
/// DCT, 4:4:4 chroma at quality ≥ 90 and 4:2:0 below (libjpeg's usual trade-off).
enum JPEGCodec {
    static func errorText(_ handle: tjhandle?) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
        return String(cString: text)
    }

    static func header(_ data: Data, name: String) throws -> ImageHeader {
        guard let handle = tjInitDecompress() else {
            throw ImageIOError.corrupt(path: name, format: .jpeg, detail: "TurboJPEG could not start")
        }
        defer { tjDestroy(handle) }
        var w: Int32 = 0, h: Int32 = 0, subsamp: Int32 = 0, colourspace: Int32 = 0
        let rc = data.withUnsafeBytes { raw in
            tjDecompressHeader3(handle, raw.bindMemory(to: UInt8.self).baseAddress, UInt(raw.count), &w, &h, &subsamp, &colourspace)
        }
        guard rc == 0, w > 0, h > 0 else {
            throw ImageIOError.corrupt(path: name, format: .jpeg, detail: errorText(handle))
        }
        let gray = colourspace == Int32(TJCS_GRAY.rawValue)
        return ImageHeader(format: .jpeg, width: Int(w), height: Int(h), channels: gray ? 1 : 3, bitDepth: 8, hasAlpha: false)
    }

    static func decode(_ data: Data, name: String, maxPixels: Int) throws -> Image {
        let head = try header(data, name: name)
        guard head.width * head.height <= maxPixels else {
            throw ImageIOError.tooManyPixels(path: name, width: head.width, height: head.height, limit: maxPixels)
        }
        guard let handle = tjInitDecompress() else {
            throw ImageIOError.corrupt(path: name, format: .jpeg, detail: "TurboJPEG could not start")
        }
        defer { tjDestroy(handle) }
        let channels = head.channels
        let pixelFormat = channels == 1 ? TJPF_GRAY : TJPF_RGB
        var buffer = [UInt8](repeating: 0, count: head.width * head.height * channels)
        let rc = data.withUnsafeBytes { raw in
            buffer.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, raw.bindMemory(to: UInt8.self).baseAddress, UInt(raw.count), dst.baseAddress,
                              Int32(head.width), 0, Int32(head.height), pixelFormat.rawValue,
                              TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING)
            }
        }
        guard rc == 0 else { throw ImageIOError.corrupt(path: name, format: .jpeg, detail: errorText(handle)) }
        var out = Image(channels: channels, height: head.height, width: head.width)
        PNGCodec.deinterleave(buffer, into: &out, stored: channels, maxValue: 255, alphaMultiply: false)
        return out
    }

    static func encode(_ img: Image, quality: Int, name: String) throws -> Data {
        guard let handle = tjInitCompress() else {
            throw ImageIOError.encodeFailed(path: name, detail: "TurboJPEG could not start")
        }
        defer { tjDestroy(handle) }
        let samples: [UInt8] = interleave(img, maxValue: 255)
        let gray = img.channels == 1
        let subsampling = gray ? TJSAMP_GRAY : (quality >= 90 ? TJSAMP_444 : TJSAMP_420)
        var jpegBuffer: UnsafeMutablePointer<UInt8>? = nil
        var jpegSize: UInt = 0
        defer { if let jpegBuffer { tjFree(jpegBuffer) } }
        let rc = samples.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(img.width), 0, Int32(img.height),
                        (gray ? TJPF_GRAY : TJPF_RGB).rawValue, &jpegBuffer, &jpegSize,
                        Int32(subsampling.rawValue), Int32(quality), TJFLAG_ACCURATEDCT)
        }
        guard rc == 0, let jpegBuffer else { throw ImageIOError.encodeFailed(path: name, detail: errorText(handle)) }
        return Data(bytes: jpegBuffer, count: Int(jpegSize))
    }
}
