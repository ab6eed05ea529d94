import CZlib
import Foundation
import ImageCore

/// One numeric array from a MATLAB v5 `.mat` file: its name, dimensions (MATLAB order: rows,
/// columns, …), MATLAB class and the real part's values in MATLAB's column-major order, as Double.
public struct MATArray: Sendable, Equatable {
    public let name: String
    public let dimensions: [Int]
    /// MATLAB class name: `double`, `single`, `int8`, `uint8`, `int16`, `uint16`, `int32`, `uint32`, `int64`, `uint64`.
    public let className: String
    public let isComplex: Bool
    public let values: [Double]

    /// Element (row, column) of a 2-D array (column-major storage).
    public subscript(row: Int, column: Int) -> Double { values[column * dimensions[0] + row] }

    /// The array as an image: a rows × columns matrix → one channel, rows × columns × 3 → RGB.
    /// Integer classes are scaled to [0, 1] by their maximum (uint8: /255, uint16: /65535);
    /// floating-point values are taken as they are.
    /// - Throws: `BenchmarkDataError.matFile` for other shapes or a complex array.
    public func image(path: String = "") throws -> Image {
        guard !isComplex else { throw BenchmarkDataError.matFile(path: path, reason: "'\(name)' is complex, not an image") }
        let shape = dimensions.count == 3 && dimensions[2] == 1 ? Array(dimensions.prefix(2)) : dimensions
        guard (shape.count == 2 || (shape.count == 3 && shape[2] == 3)), shape[0] > 0, shape[1] > 0 else {
            throw BenchmarkDataError.matFile(path: path, reason: "'\(name)' has shape \(dimensions.map(String.init).joined(separator: "×")); an image needs rows×columns or rows×columns×3")
        }
        let scale: Double
        switch className {
        case "uint8": scale = 1 / 255
        case "uint16": scale = 1 / 65535
        default: scale = 1
        }
        let h = shape[0], w = shape[1], c = shape.count == 3 ? 3 : 1
        var out = Image(channels: c, height: h, width: w)
        for ch in 0 ..< c {
            for x in 0 ..< w {
                for y in 0 ..< h { out[ch, y, x] = Float(values[(ch * w + x) * h + y] * scale) }
            }
        }
        return out
    }
}

/// Reads every numeric array of a MATLAB v5 `.mat` file (level 5 MAT-file format, as MATLAB's
/// `save -v6/-v7` and SciPy's `savemat` write it), compressed (`miCOMPRESSED`, zlib) or not.
/// Cell arrays, structs, sparse and character arrays are skipped. MATLAB 7.3 files (HDF5) are
/// not v5 files and are rejected with that explanation.
/// - Throws: `BenchmarkDataError.matFile` naming the file and what is wrong.
public func readMATFile(at path: String) throws -> [MATArray] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BenchmarkDataError.matFile(path: path, reason: "the file does not exist or cannot be read")
    }
    return try parseMAT(data, path: path)
}

/// `readMATFile` on bytes already in memory; `path` only names the source in errors.
public func parseMAT(_ data: Data, path: String = "<data>") throws -> [MATArray] {
    let bytes = [UInt8](data)
    func fail(_ reason: String) -> BenchmarkDataError { .matFile(path: path, reason: reason) }
    guard bytes.count >= 128 else { throw fail("it is \(bytes.count) bytes, shorter than the 128-byte MAT header") }
    if bytes.starts(with: Array("MATLAB 7.3".utf8)) || bytes[0 ..< 8] == [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] {
        throw fail("it is a MATLAB 7.3 (HDF5) file; re-save it in MATLAB with save(..., '-v7') or read it with h5py")
    }
    guard bytes.starts(with: Array("MATLAB 5.0 MAT-file".utf8)) || bytes[126 ..< 128] == [0x49, 0x4D] || bytes[126 ..< 128] == [0x4D, 0x49] else {
        throw fail("it has no MATLAB 5.0 MAT-file header")
    }
    let bigEndian: Bool
    switch (bytes[126], bytes[127]) {
    case (0x49, 0x4D): bigEndian = false   // "IM": written little-endian
    case (0x4D, 0x49): bigEndian = true
    default: throw fail("the endian indicator is not 'IM' or 'MI'")
    }
    var reader = MATReader(bytes: bytes, bigEndian: bigEndian, path: path)
    var arrays: [MATArray] = []
    var offset = 128
    while offset + 8 <= bytes.count {
        let (type, size, dataStart, next) = try reader.tag(at: offset, limit: bytes.count)
        switch type {
        case 15:   // miCOMPRESSED
            let inflated = try inflate(Array(bytes[dataStart ..< dataStart + size]), path: path)
            var inner = MATReader(bytes: inflated, bigEndian: bigEndian, path: path)
            guard inflated.count >= 8 else { throw fail("a compressed element inflates to \(inflated.count) bytes") }
            let (innerType, innerSize, innerStart, _) = try inner.tag(at: 0, limit: inflated.count)
            if innerType == 14, let array = try inner.matrix(from: innerStart, size: innerSize) { arrays.append(array) }
        case 14:   // miMATRIX
            if let array = try reader.matrix(from: dataStart, size: size) { arrays.append(array) }
        default:
            break
        }
        offset = next
    }
    return arrays
}

/// Reads tags and numeric payloads of one byte buffer.
struct MATReader {
    let bytes: [UInt8]
    let bigEndian: Bool
    let path: String

    func fail(_ reason: String) -> BenchmarkDataError { .matFile(path: path, reason: reason) }

    func u32(_ at: Int) -> UInt32 {
        let b = (0 ..< 4).map { UInt32(bytes[at + $0]) }
        return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
    }

    func u16(_ at: Int) -> UInt16 {
        let a = UInt16(bytes[at]), b = UInt16(bytes[at + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    func u64(_ at: Int) -> UInt64 {
        let lo = UInt64(u32(at)), hi = UInt64(u32(at + 4))
        return bigEndian ? lo << 32 | hi : hi << 32 | lo
    }

    /// (type, payload size, payload start, next element offset) of the element at `offset`.
    /// Small data elements pack type and size into the first word and the payload into the second.
    func tag(at offset: Int, limit: Int) throws -> (Int, Int, Int, Int) {
        guard offset + 8 <= limit else { throw fail("an element header at byte \(offset) runs past the end") }
        let first = u32(offset)
        if first >> 16 != 0 {
            let size = Int(first >> 16), type = Int(first & 0xFFFF)
            guard size <= 4 else { throw fail("a small data element at byte \(offset) claims \(size) bytes") }
            return (type, size, offset + 4, offset + 8)
        }
        let type = Int(first), size = Int(u32(offset + 4))
        let start = offset + 8
        guard size >= 0, start + size <= limit else {
            throw fail("an element at byte \(offset) declares \(size) bytes but only \(limit - start) remain (truncated or corrupt file)")
        }
        // Compressed elements are not padded; everything else is padded to 8 bytes.
        let next = type == 15 ? start + size : start + (size + 7) / 8 * 8
        return (type, size, start, min(next, limit))
    }

    /// Values of a numeric data element of MAT type `type`.
    func numbers(type: Int, start: Int, size: Int) throws -> [Double] {
        let width: Int
        switch type {
        case 1, 2: width = 1
        case 3, 4: width = 2
        case 5, 6, 7: width = 4
        case 9, 12, 13: width = 8
        default: throw fail("numeric data of MAT type \(type) is not supported")
        }
        guard size % width == 0 else { throw fail("\(size) bytes of MAT type \(type) is not a whole number of values") }
        return (0 ..< size / width).map { i -> Double in
            let at = start + i * width
            switch type {
            case 1: return Double(Int8(bitPattern: bytes[at]))
            case 2: return Double(bytes[at])
            case 3: return Double(Int16(bitPattern: u16(at)))
            case 4: return Double(u16(at))
            case 5: return Double(Int32(bitPattern: u32(at)))
            case 6: return Double(u32(at))
            case 7: return Double(Float(bitPattern: u32(at)))
            case 9: return Double(bitPattern: u64(at))
            case 12: return Double(Int64(bitPattern: u64(at)))
            default: return Double(u64(at))
            }
        }
    }

    /// A miMATRIX payload; nil for classes other than numeric (cell, struct, char, sparse, …).
    mutating func matrix(from start: Int, size: Int) throws -> MATArray? {
        let end = start + size
        guard size > 0 else { return nil }
        let (flagsType, flagsSize, flagsStart, afterFlags) = try tag(at: start, limit: end)
        guard flagsType == 6, flagsSize >= 8 else { throw fail("a matrix lacks its array-flags subelement") }
        let flags = u32(flagsStart)
        let classID = Int(flags & 0xFF), complex = flags & 0x800 != 0
        let classNames = [6: "double", 7: "single", 8: "int8", 9: "uint8", 10: "int16", 11: "uint16",
                          12: "int32", 13: "uint32", 14: "int64", 15: "uint64"]
        let (dimType, dimSize, dimStart, afterDims) = try tag(at: afterFlags, limit: end)
        guard dimType == 5 else { throw fail("a matrix lacks its dimensions subelement") }
        let dims = try numbers(type: 5, start: dimStart, size: dimSize).map { Int($0) }
        let (nameType, nameSize, nameStart, afterName) = try tag(at: afterDims, limit: end)
        guard nameType == 1 || nameType == 2 else { throw fail("a matrix lacks its name subelement") }
        let name = String(decoding: bytes[nameStart ..< nameStart + nameSize], as: UTF8.self)
        guard let className = classNames[classID] else { return nil }
        guard dims.allSatisfy({ $0 >= 0 }) else { throw fail("'\(name)' has negative dimensions \(dims)") }
        let count = dims.reduce(1, *)
        let (realType, realSize, realStart, _) = try tag(at: afterName, limit: end)
        let values = try numbers(type: realType, start: realStart, size: realSize)
        guard values.count == count else {
            throw fail("'\(name)' is \(dims.map(String.init).joined(separator: "×")) but holds \(values.count) values")
        }
        return MATArray(name: name, dimensions: dims, className: className, isComplex: complex, values: values)
    }
}

/// zlib-inflates a complete stream.
func inflate(_ input: [UInt8], path: String) throws -> [UInt8] {
    var stream = z_stream()
    guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw BenchmarkDataError.matFile(path: path, reason: "zlib could not be initialised")
    }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: max(1 << 16, input.count * 4))
    var source = input
    var status: Int32 = Z_OK
    source.withUnsafeMutableBufferPointer { src in
        stream.next_in = src.baseAddress
        stream.avail_in = UInt32(src.count)
        repeat {
            chunk.withUnsafeMutableBufferPointer { dst in
                stream.next_out = dst.baseAddress
                stream.avail_out = UInt32(dst.count)
                status = CZlib.inflate(&stream, Z_NO_FLUSH)
                output.append(contentsOf: dst[0 ..< dst.count - Int(stream.avail_out)])
            }
        } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
    }
    guard status == Z_STREAM_END else {
        let reason = status == Z_DATA_ERROR ? "corrupt compressed data (zlib data error)" : "compressed data ends early (zlib status \(status))"
        throw BenchmarkDataError.matFile(path: path, reason: reason)
    }
    return output
}
