import Foundation

/// The file formats the workbench reads and writes.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png, jpeg

    public var displayName: String { self == .png ? "PNG" : "JPEG" }
    public var preferredExtension: String { self == .png ? "png" : "jpg" }

    /// The format a file extension names (`png`, `jpg`, `jpeg`, any case), or nil.
    public init?(fileExtension ext: String) {
        switch ext.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// The format of `data` from its signature (PNG: 89 50 4E 47 0D 0A 1A 0A; JPEG: FF D8 FF), or nil.
    public init?(signatureOf data: Data) {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if data.count >= 8 && data.prefix(8).elementsEqual(png) { self = .png; return }
        if data.count >= 3 && data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF]) { self = .jpeg; return }
        return nil
    }
}

/// The pixel limit applied when no other is given: 100 megapixels. Checked from the file header,
/// before any pixel memory is allocated, so a decompression bomb costs nothing.
public let defaultMaxPixels = 100_000_000

/// What a file's header says, read without decoding pixels.
public struct ImageHeader: Sendable, Equatable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    /// Channels the decoder returns: 1 (gray) or 3 (colour); alpha is not counted.
    public let channels: Int
    /// Bits per sample stored in the file (8 or 16 for PNG, 8 for JPEG).
    public let bitDepth: Int
    /// True when the file stores an alpha channel (or palette transparency).
    public let hasAlpha: Bool
}
