import Foundation

/// The default pixel limit (width × height) for decoding: 100 megapixels.
///
/// Images whose header declares more are refused before any pixel memory is allocated, which stops
/// decompression bombs (a few kilobytes of PNG claiming 60000×60000 pixels). Pass `maxPixels:` to
/// `readImage` / `decodeImage` to raise it for genuine large images.
public let defaultMaxPixels: Int = 100_000_000

/// The file formats the workbench reads and writes.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png, jpeg

    /// The format a file name announces: `.png` → `.png`; `.jpg`, `.jpeg` → `.jpeg` (case-insensitive).
    /// `nil` for any other or no extension.
    public init?(fileExtensionOf path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// The format the bytes carry, from their signature ("magic bytes"): PNG starts with
    /// `89 50 4E 47 0D 0A 1A 0A`, JPEG with `FF D8 FF`. `nil` when neither matches.
    public init?(magicBytesOf data: Data) {
        if data.starts(with: pngSignature) {
            self = .png
        } else if data.starts(with: [0xFF, 0xD8, 0xFF] as [UInt8]) {
            self = .jpeg
        } else {
            return nil
        }
    }

    /// The extension to use when writing this format, without the dot.
    public var preferredExtension: String { self == .png ? "png" : "jpg" }

    /// Human-readable name for messages.
    public var displayName: String { self == .png ? "PNG" : "JPEG" }
}

/// The eight-byte PNG file signature.
let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

/// What an image file declares about itself, read without decoding any pixels.
public struct ImageHeader: Sendable, Equatable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    /// Channels of the `Image` that `readImage` returns: 1 (gray) or 3 (RGB). Palette PNGs count as 3.
    /// Any alpha channel is not counted (see `hasAlpha`; `readImage` composites it over black).
    public let channels: Int
    /// Bits per sample of the decoded values: 16 for 16-bit PNGs, otherwise 8 (JPEG, 8-bit PNG, and
    /// 1/2/4-bit or palette PNGs, which libpng expands to 8 bits).
    public let bitDepth: Int
    /// True when the file carries transparency (an alpha channel or a `tRNS` chunk).
    public let hasAlpha: Bool

    public init(format: ImageFormat, width: Int, height: Int, channels: Int, bitDepth: Int, hasAlpha: Bool = false) {
        self.format = format
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.hasAlpha = hasAlpha
    }

    /// Pixels per channel, `width × height`.
    public var pixelCount: Int { width * height }
}

/// Reads what an image file declares — format, size, channels, bit depth — without decoding pixels.
///
/// Only the signature and the header are examined (PNG: `IHDR` and chunks up to the first `IDAT`;
/// JPEG: markers up to the frame header, through TurboJPEG's `tjDecompressHeader3`), so this is cheap even
/// for large files and applies no pixel limit. A truncated or damaged body is only found by `readImage`.
/// - Parameter path: a `.png`, `.jpg` or `.jpeg` file (other extensions are read by content).
/// - Returns: the header; `channels` is what `readImage` will return (1 or 3).
/// - Throws: `ImageIOError.fileNotFound`, `.unreadable`, `.emptyFile`, `.unknownFormat`,
///   `.extensionMismatch`, `.truncated`, `.corrupt`, `.unsupportedContent`.
public func readImageHeader(at path: String) throws -> ImageHeader {
    // Headers sit at the start; metadata (EXIF, ICC profiles, text) rarely pushes them past 256 KiB.
    // If it does, the parse reports truncation and the whole file is read instead.
    let prefixLength = 256 * 1024
    let prefix = try readFileBytes(at: path, upTo: prefixLength)
    do {
        return try parseImageHeader(prefix, name: path)
    } catch ImageIOError.truncated(_, _) where prefix.count == prefixLength {
        return try parseImageHeader(try readFileBytes(at: path), name: path)
    }
}

private func parseImageHeader(_ data: Data, name: String) throws -> ImageHeader {
    switch try checkedFormat(of: data, name: name, expected: ImageFormat(fileExtensionOf: name)) {
    case .png: return try parsePNGStructure(data, name: name, stopAtImageData: true).header
    case .jpeg: return try readJPEGHeader(data, name: name).header
    }
}

/// Reads a file (all of it, or its first `limit` bytes) into memory, mapping file-system failures
/// to named errors.
func readFileBytes(at path: String, upTo limit: Int? = nil) throws -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw ImageIOError.fileNotFound(path: path)
    }
    if isDirectory.boolValue {
        throw ImageIOError.unreadable(path: path, reason: "it is a folder, not a file")
    }
    // A device (/dev/zero) or a pipe would be read for ever or not at all: refuse it by name.
    if let type = (try? FileManager.default.attributesOfItem(atPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path))?[.type] as? FileAttributeType, type != .typeRegular {
        throw ImageIOError.unreadable(path: path, reason: "it is not a regular file (a device, pipe or socket)")
    }
    do {
        guard let limit else { return try Data(contentsOf: URL(fileURLWithPath: path)) }
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        return try handle.read(upToCount: limit) ?? Data()
    } catch {
        throw ImageIOError.unreadable(path: path, reason: error.localizedDescription)
    }
}

/// Checks that `data` is non-empty, has a known signature, and (when the name announces a format)
/// agrees with the name. Returns the detected format.
func checkedFormat(of data: Data, name: String, expected: ImageFormat?) throws -> ImageFormat {
    if data.isEmpty { throw ImageIOError.emptyFile(name: name) }
    guard let format = ImageFormat(magicBytesOf: data) else {
        let preview = data.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
        throw ImageIOError.unknownFormat(name: name, firstBytes: preview)
    }
    if let expected, expected != format {
        throw ImageIOError.extensionMismatch(name: name, extensionFormat: expected, contentFormat: format)
    }
    return format
}

/// Refuses a declared size above `maxPixels` (checked from the header, before any allocation).
func checkPixelLimit(width: Int, height: Int, maxPixels: Int, name: String) throws {
    let (count, overflow) = width.multipliedReportingOverflow(by: height)
    if overflow || count > maxPixels {
        throw ImageIOError.tooManyPixels(name: name, width: width, height: height, maxPixels: maxPixels)
    }
}
