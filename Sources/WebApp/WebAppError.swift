import Foundation
import Hummingbird

/// Every refusal the web app gives a client. Each message says what was wrong with the request and how to
/// fix it; none carries a file-system path or an internal error (those go to the server log only).
public enum WebAppError: LocalizedError, Equatable {
    case emptyBody
    case uploadTooLarge(limitBytes: Int)
    case missingField(String)
    case badImage(field: String, message: String)
    case tooManyPixels(field: String, width: Int, height: Int, limit: Int)
    case noMethods(known: [String])
    case unknownMethod(String, known: [String])
    case psfRequired(methods: [String])
    case badPSFSpec(String, reason: String)
    case estimationUnavailable
    case estimationFailed(String)
    case referenceMismatch(image: String, reference: String)
    case restorationFailed(method: String, message: String)
    case busy(queued: Int)
    case badForm(String)

    /// The HTTP status for the refusal.
    public var status: HTTPResponse.Status {
        switch self {
        case .uploadTooLarge, .tooManyPixels: return .contentTooLarge
        case .busy: return .serviceUnavailable
        case .restorationFailed: return .unprocessableContent
        default: return .badRequest
        }
    }

    public var errorDescription: String? {
        switch self {
        case .emptyBody:
            return "The request is empty. Send a multipart/form-data upload with the blurred photo in the field 'image'."
        case let .uploadTooLarge(limit):
            return "The upload is larger than this server's limit of \(formatBytes(limit)). Send a smaller or more compressed image (e.g. a JPEG)."
        case let .missingField(name):
            return "The upload has no '\(name)' field. Choose a blurred photo (PNG or JPEG) to restore."
        case let .badImage(field, message):
            return "The \(field == "reference" ? "reference" : "uploaded") image could not be read: \(message)"
        case let .tooManyPixels(field, width, height, limit):
            return "The \(field == "reference" ? "reference" : "uploaded") image is \(width)×\(height) pixels, more than this server's limit of "
                + "\(limit) pixels (\(String(format: "%.1f", Double(limit) / 1e6)) megapixels). Downscale or crop it first."
        case let .noMethods(known):
            return "No method was chosen. Pick one or more of: \(known.joined(separator: ", "))."
        case let .unknownMethod(name, known):
            return "Unknown method '\(name.prefix(40))'. Choose from: \(known.joined(separator: ", "))."
        case let .psfRequired(methods):
            return "The method(s) \(methods.joined(separator: ", ")) need a blur kernel: give a PSF spec such as "
                + "gaussian:2, disk:4, motion:15,30 or shake:7\(methods.isEmpty ? "" : ", or 'estimate'")."
        case let .badPSFSpec(spec, reason):
            return "The PSF spec '\(spec.prefix(60))' is not valid: \(reason). Use gaussian:SIGMA, disk:RADIUS, motion:LENGTH,ANGLE or shake:SEED (e.g. motion:15,30)."
        case .estimationUnavailable:
            return "PSF estimation is not available on this server yet. Give a PSF spec such as gaussian:2 or motion:15,30."
        case let .estimationFailed(message):
            return "The PSF could not be estimated: \(message) Give a PSF spec instead."
        case let .referenceMismatch(image, reference):
            return "The reference image (\(reference)) must have the same size and colour channels as the blurred image (\(image)) to be compared."
        case let .restorationFailed(method, message):
            return "\(method) failed on this image: \(message)"
        case let .busy(queued):
            return "The server is busy (\(queued) restorations waiting). Try again in a minute."
        case let .badForm(message):
            return message
        }
    }

    /// The refusal as Hummingbird's JSON error (`{"error": {"message": …}}`), with any path scrubbed.
    var httpError: HTTPError { HTTPError(status, message: scrubPaths(errorDescription ?? "Bad request.")) }
}

/// Replaces anything that looks like an absolute file-system path with "…", so messages from lower layers
/// can never reveal the server's folders. PSF specs, sizes and method names contain no `/`.
func scrubPaths(_ message: String) -> String {
    message.replacingOccurrences(of: #"(?<![\w.~])(?:/[^\s'"/,;:)]+){2,}/?"#, with: "…", options: .regularExpression)
}

func formatBytes(_ bytes: Int) -> String {
    bytes >= 1 << 20 ? String(format: "%.0f MB", Double(bytes) / Double(1 << 20)) : String(format: "%.0f kB", Double(bytes) / 1024)
}
