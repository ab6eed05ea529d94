import Foundation
import ImageCore

/// Element types a safetensors file may store that this module converts to and from Float32.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"

    /// Bytes per element.
    public var byteSize: Int { self == .f32 ? 4 : 2 }
}

/// A set of named tensors plus string metadata, in the safetensors format
/// (https://github.com/huggingface/safetensors): an 8-byte little-endian header length `n`,
/// `n` bytes of JSON `{"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …,
/// "__metadata__": {"key": "value", …}}` padded with spaces, then the raw little-endian data.
///
/// Loading converts F16 and BF16 to Float32; saving writes F32, F16 or BF16 (per tensor if asked). Metadata holds the
/// architecture name, hyper-parameters, training data and seed of a checkpoint (values are
/// strings by the format's rule: encode numbers and lists as JSON text).
public struct SafeTensorsFile: Sendable {
    /// Tensors by name.
    public var tensors: [String: Tensor]
    /// The `__metadata__` dictionary.
    public var metadata: [String: String]
    /// The dtype each tensor had in the file it was loaded from (empty for a new file).
    public private(set) var storedDTypes: [String: SafeTensorsDType] = [:]
    /// Where the tensors came from (a path, or `<memory>`), for error messages.
    public private(set) var source: String = "<memory>"

    /// A new, unsaved set of tensors.
    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Loads every tensor of a safetensors file as Float32.
    /// - Throws: `TensorsError` (`.unreadableFile`, `.truncatedHeader`, `.invalidHeader`,
    ///   `.truncatedData`, `.inconsistentTensor`, `.unsupportedDType`), naming the file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw TensorsError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, source: url.path)
    }

    /// Parses safetensors bytes; `source` names them in errors.
    public init(data: Data, source: String = "<memory>") throws {
        self.init()
        self.source = source
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw TensorsError.truncatedHeader(path: source, fileSize: bytes.count, needed: 8) }
        var headerLength: UInt64 = 0
        for i in 0 ..< 8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= 100_000_000 else {
            throw TensorsError.invalidHeader(path: source, reason: "announced header length \(headerLength) bytes exceeds 100 MB")
        }
        let dataStart = 8 + Int(headerLength)
        guard bytes.count >= dataStart else {
            throw TensorsError.truncatedHeader(path: source, fileSize: bytes.count, needed: dataStart)
        }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(bytes[8 ..< dataStart])) } catch {
            throw TensorsError.invalidHeader(path: source, reason: "not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw TensorsError.invalidHeader(path: source, reason: "not a JSON object")
        }
        let available = bytes.count - dataStart
        var ranges: [(name: String, begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let meta = value as? [String: Any] else {
                    throw TensorsError.invalidHeader(path: source, reason: "__metadata__ is not an object")
                }
                for (key, v) in meta {
                    guard let text = v as? String else {
                        throw TensorsError.invalidHeader(path: source, reason: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = Self.integers(entry["shape"]), let offsets = Self.integers(entry["data_offsets"]),
                  offsets.count == 2, shape.allSatisfy({ $0 >= 0 }) else {
                throw TensorsError.invalidHeader(path: source, reason: "entry '\(name)' lacks a dtype, shape or two data_offsets")
            }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw TensorsError.unsupportedDType(path: source, tensor: name, dtype: dtypeName)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else {
                throw TensorsError.inconsistentTensor(path: source, tensor: name, reason: "data_offsets [\(begin), \(end)] are reversed or negative")
            }
            guard end <= available else {
                throw TensorsError.truncatedData(path: source, tensor: name, end: end, available: available)
            }
            let count = shape.reduce(1, *)
            guard end - begin == count * dtype.byteSize else {
                throw TensorsError.inconsistentTensor(path: source, tensor: name,
                    reason: "\(end - begin) bytes for shape \(shape) of \(dtype.rawValue), which needs \(count * dtype.byteSize)")
            }
            ranges.append((name, begin, end))
            tensors[name] = Self.decode(bytes, from: dataStart + begin, count: count, dtype: dtype, shape: shape)
            storedDTypes[name] = dtype
        }
        ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for i in ranges.indices.dropFirst() where ranges[i].begin < ranges[i - 1].end {
            throw TensorsError.inconsistentTensor(path: source, tensor: ranges[i].name,
                                                  reason: "its bytes overlap tensor '\(ranges[i - 1].name)'")
        }
    }

    /// Tensor names in sorted order.
    public var names: [String] { tensors.keys.sorted() }

    /// The tensor called `name`.
    /// - Throws: `TensorsError.missingTensor` listing the names the file has.
    public func tensor(named name: String) throws -> Tensor {
        guard let t = tensors[name] else { throw TensorsError.missingTensor(path: source, name: name, available: names) }
        return t
    }

    /// The tensor called `name`, which must have `shape`.
    /// - Throws: `TensorsError.missingTensor` or `TensorsError.shapeMismatch`.
    public func tensor(named name: String, shape: [Int]) throws -> Tensor {
        let t = try tensor(named: name)
        guard t.shape == shape else { throw TensorsError.shapeMismatch(path: source, name: name, expected: shape, actual: t.shape) }
        return t
    }

    /// The file's bytes with every tensor stored as `dtype`, names sorted.
    /// - Throws: `TensorsError.notRepresentable` when a finite value overflows F16 or BF16.
    public func encoded(as dtype: SafeTensorsDType = .f32) throws -> Data {
        try encoded { _ in dtype }
    }

    /// The file's bytes with each tensor stored as `dtype(name)`, names sorted. BF16 keeps F32's
    /// exponent range (no underflow of tiny values such as Adam's second moments) with 8
    /// significant bits, rounded to nearest, ties to even.
    /// - Throws: `TensorsError.notRepresentable` when a finite value overflows its dtype.
    public func encoded(dtype: (String) -> SafeTensorsDType) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        let types = Dictionary(uniqueKeysWithValues: names.map { ($0, dtype($0)) })
        for name in names {
            let t = tensors[name]!, d = types[name]!
            header[name] = ["dtype": d.rawValue, "shape": t.shape, "data_offsets": [offset, offset + t.count * d.byteSize]] as [String: Any]
            offset += t.count * d.byteSize
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var headerBytes = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = [UInt8](repeating: 0, count: 8 + headerBytes.count + offset)
        let length = UInt64(headerBytes.count)
        for i in 0 ..< 8 { out[i] = UInt8((length >> (8 * UInt64(i))) & 0xFF) }
        out.replaceSubrange(8 ..< 8 + headerBytes.count, with: headerBytes)
        var position = 8 + headerBytes.count
        for name in names {
            let t = tensors[name]!, d = types[name]!
            try out.withUnsafeMutableBytes { raw in
                try t.withUnsafeBufferPointer { values in
                    switch d {
                    case .f32:
                        if values.count > 0 { memcpy(raw.baseAddress! + position, values.baseAddress!, values.count * 4) }
                    case .f16:
                        for (i, v) in values.enumerated() {
                            let h = Float16(v)
                            if v.isFinite && !h.isFinite { throw TensorsError.notRepresentable(tensor: name, value: v, dtype: "F16") }
                            raw.storeBytes(of: h.bitPattern.littleEndian, toByteOffset: position + 2 * i, as: UInt16.self)
                        }
                    case .bf16:
                        for (i, v) in values.enumerated() {
                            let b = bfloat16Bits(v)
                            if v.isFinite && b & 0x7F80 == 0x7F80 { throw TensorsError.notRepresentable(tensor: name, value: v, dtype: "BF16") }
                            raw.storeBytes(of: b.littleEndian, toByteOffset: position + 2 * i, as: UInt16.self)
                        }
                    }
                }
            }
            position += t.count * d.byteSize
        }
        return Data(out)
    }

    /// Writes the file atomically (temporary sibling, then rename).
    /// - Throws: `TensorsError.notRepresentable` for F16 overflow, `AtomicFileError` for I/O.
    public func write(to url: URL, as dtype: SafeTensorsDType = .f32) throws {
        try writeAtomically(try encoded(as: dtype), to: url)
    }

    /// Writes the file atomically with each tensor stored as `dtype(name)`.
    public func write(to url: URL, dtype: (String) -> SafeTensorsDType) throws {
        try writeAtomically(try encoded(dtype: dtype), to: url)
    }

    // MARK: Helpers

    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var out: [Int] = []
        for item in list {
            if let i = item as? Int { out.append(i) } else if let n = item as? NSNumber, n.doubleValue == n.doubleValue.rounded() {
                out.append(n.intValue)
            } else { return nil }
        }
        return out
    }

    private static func decode(_ bytes: [UInt8], from start: Int, count: Int, dtype: SafeTensorsDType, shape: [Int]) -> Tensor {
        var t = Tensor.uninitialized(shape: shape)
        bytes.withUnsafeBytes { raw in
            t.withUnsafeMutableBufferPointer { dst in
                switch dtype {
                case .f32:
                    if count > 0 { memcpy(dst.baseAddress!, raw.baseAddress! + start, count * 4) }
                case .f16:
                    for i in 0 ..< count {
                        let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self))
                        dst[i] = Float(Float16(bitPattern: bits))
                    }
                case .bf16:
                    for i in 0 ..< count {
                        let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self))
                        dst[i] = Float(bitPattern: UInt32(bits) << 16)
                    }
                }
            }
        }
        return t
    }
}

/// The BF16 bit pattern nearest to `value` (the upper 16 bits of its F32 pattern, rounded to
/// nearest with ties to even; NaN stays a quiet NaN of the same sign). A finite value within half
/// a BF16 step of `Float.greatestFiniteMagnitude` rounds to infinity, as F32 → BF16 conversion does.
public func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
}
