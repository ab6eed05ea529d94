import Foundation

/// Turns the parts of a `POST /api/restore` form into a `RestoreRequest`, refusing anything unexpected
/// before a single pixel is decoded.
///
/// Fields: `image` (file, required), `reference` (file, optional), `methods` (comma-separated names),
/// `psf` (a spec such as `motion:15,30`, or `estimate`; needed when a chosen method takes a PSF).
enum RestoreForm {
    static let knownFields: Set<String> = ["image", "reference", "methods", "psf"]

    static func request(from parts: [MultipartPart], methods available: [MethodInfo], maxUploadBytes: Int) throws -> RestoreRequest {
        for part in parts where !knownFields.contains(part.name) {
            throw WebAppError.badForm("Unexpected field '\(part.name.prefix(40))'. The form takes image, reference, methods and psf.")
        }
        func field(_ name: String) -> MultipartPart? { parts.first { $0.name == name } }

        guard let image = field("image") else { throw WebAppError.missingField("image") }
        guard !image.body.isEmpty else {
            throw WebAppError.badImage(field: "image", message: "the file is empty (0 bytes). Choose the photo again.")
        }
        let reference = field("reference").flatMap { $0.body.isEmpty && $0.filename?.isEmpty != false ? nil : $0 }
        if let reference, reference.body.isEmpty {
            throw WebAppError.badImage(field: "reference", message: "the file is empty (0 bytes). Choose the reference again or leave it out.")
        }
        if image.body.count + (reference?.body.count ?? 0) > maxUploadBytes {
            throw WebAppError.uploadTooLarge(limitBytes: maxUploadBytes)
        }

        let methodsText = try text(of: field("methods")) ?? ""
        let names = methodsText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw WebAppError.noMethods(known: available.map(\.name)) }
        var chosen: [MethodInfo] = []
        for name in names where !chosen.contains(where: { $0.name == name }) {
            guard let method = available.first(where: { $0.name == name }) else {
                throw WebAppError.unknownMethod(name, known: available.map(\.name))
            }
            chosen.append(method)
        }

        let psfText = (try text(of: field("psf")) ?? "").trimmingCharacters(in: .whitespaces)
        let psf: RestoreRequest.PSFChoice
        if psfText.isEmpty {
            psf = .none
        } else if psfText.lowercased() == "estimate" {
            psf = .estimate
        } else {
            try validatePSFSpec(psfText)
            psf = .spec(psfText)
        }
        let needing = chosen.filter(\.needsPSF).map(\.name)
        if !needing.isEmpty, psf == .none { throw WebAppError.psfRequired(methods: needing) }

        return RestoreRequest(image: image.body, imageName: displayName(image.filename, fallback: "image"),
                              reference: reference?.body,
                              referenceName: reference.map { displayName($0.filename, fallback: "reference") },
                              methods: chosen, psf: needing.isEmpty ? .none : psf)
    }

    private static func text(of part: MultipartPart?) throws -> String? {
        guard let part else { return nil }
        guard part.body.count <= 1024, let text = part.text else {
            throw WebAppError.badForm("The field '\(part.name)' must be short UTF-8 text.")
        }
        return text
    }

    /// The largest parameter accepted per family, in pixels: bigger kernels would cost a lot of memory and
    /// time and are larger than any photo's blur worth restoring here.
    static let parameterLimits: [String: Double] = ["gaussian": 50, "disk": 100, "motion": 200, "shake": 200]

    /// Accepts only the built-in PSF families. `PSF.parse` would read any other string as a kernel file's
    /// path, so a spec is checked here before it gets there: a client never names a server file.
    static func validatePSFSpec(_ spec: String) throws {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        let family = parts.first?.lowercased() ?? ""
        guard parts.count == 2, let limit = parameterLimits[family] else {
            throw WebAppError.badPSFSpec(spec, reason: "it does not start with a known family (gaussian, disk, motion, shake) followed by ':' and numbers")
        }
        let numbers = parts[1].split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        // The size parameter: σ, radius, motion length, shake length (the shake's first number is its seed,
        // motion's second its angle).
        let sizeIndex = family == "shake" ? 1 : 0
        if sizeIndex < numbers.count, let size = Double(numbers[sizeIndex]), size.isFinite, abs(size) > limit {
            throw WebAppError.badPSFSpec(spec, reason: "\(family) sizes above \(formatLimit(limit)) pixels are not accepted by this server")
        }
    }

    private static func formatLimit(_ value: Double) -> String { String(Int(value)) }

    /// A client's file name reduced to something safe to quote in a message: its last path component,
    /// printable characters only, at most 60 of them. Never used to name a file.
    static func displayName(_ filename: String?, fallback: String) -> String {
        guard let filename else { return fallback }
        let last = filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(last.unicodeScalars.filter { $0.properties.generalCategory != .control && $0 != "'" && $0 != "\"" }.prefix(60).map(Character.init))
        return cleaned.isEmpty ? fallback : cleaned
    }
}
