import Foundation

/// Errors the Tensors module raises for bad input (files, names, shapes from outside the program).
public enum TensorsError: LocalizedError, Equatable {
    /// The file could not be read at all.
    case unreadableFile(path: String, reason: String)
    /// Fewer bytes than the 8-byte header length, or than the header the length announces.
    case truncatedHeader(path: String, fileSize: Int, needed: Int)
    /// The header is not a JSON object of the safetensors form.
    case invalidHeader(path: String, reason: String)
    /// A tensor's bytes lie (partly) beyond the end of the file.
    case truncatedData(path: String, tensor: String, end: Int, available: Int)
    /// A tensor's byte range does not match its dtype and shape, or overlaps another tensor.
    case inconsistentTensor(path: String, tensor: String, reason: String)
    /// A dtype this reader does not convert to Float32.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// The requested name is not in the file.
    case missingTensor(path: String, name: String, available: [String])
    /// A tensor has another shape than the caller expects.
    case shapeMismatch(path: String, name: String, expected: [Int], actual: [Int])
    /// A value cannot be stored in the requested precision without overflow.
    case notRepresentable(tensor: String, value: Float, dtype: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadableFile(path, reason):
            return "Could not read '\(path)': \(reason). Check the path and permissions."
        case let .truncatedHeader(path, size, needed):
            return "'\(path)' is not a complete safetensors file: it has \(size) bytes but its header needs \(needed). The file is truncated or not safetensors; re-download or re-save it."
        case let .invalidHeader(path, reason):
            return "'\(path)' has an invalid safetensors header: \(reason). The file is corrupt or not safetensors; re-save it."
        case let .truncatedData(path, tensor, end, available):
            return "'\(path)' is truncated: tensor '\(tensor)' ends at data byte \(end) but only \(available) data bytes exist. Re-download or re-save the file."
        case let .inconsistentTensor(path, tensor, reason):
            return "'\(path)': tensor '\(tensor)' is inconsistent (\(reason)). The file is corrupt; re-save it."
        case let .unsupportedDType(path, tensor, dtype):
            return "'\(path)': tensor '\(tensor)' has dtype \(dtype); only F32, F16 and BF16 can be loaded. Convert it to float32 first."
        case let .missingTensor(path, name, available):
            let list = available.prefix(12).joined(separator: ", ") + (available.count > 12 ? ", …" : "")
            return "'\(path)' has no tensor named '\(name)'. It holds: \(list). Check that the file belongs to this model."
        case let .shapeMismatch(path, name, expected, actual):
            return "'\(path)': tensor '\(name)' has shape \(actual) but \(expected) is expected. The file was saved for another architecture or configuration."
        case let .notRepresentable(tensor, value, dtype):
            return "Tensor '\(tensor)' holds \(value), which \(dtype) cannot represent; save it as F32 instead."
        }
    }
}
