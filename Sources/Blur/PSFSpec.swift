import Foundation
import ImageCore
import ImageIO

extension PSF {
    /// Parses a PSF spec string, the one syntax used everywhere on the command line:
    /// - `gaussian:SIGMA` — Gaussian, σ in pixels;
    /// - `disk:RADIUS` — defocus, anti-aliased pillbox like MATLAB `fspecial('disk')`;
    /// - `motion:LENGTH,ANGLE` — linear motion, length in pixels, angle in degrees counter-clockwise;
    /// - `shake:SEED` or `shake:SEED,LENGTH` — random camera-shake trajectory;
    /// - anything else is a path to a kernel image (PNG or JPEG; RGB is converted to luma; the
    ///   weights are normalised to sum 1, so the image's scale does not matter).
    /// - Throws: `BlurError.invalidSpec` / `.psfFile`, or the PSF validation errors.
    public static func parse(_ spec: String) throws -> PSF {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        let families = ["gaussian", "disk", "motion", "shake"]
        guard parts.count == 2, families.contains(parts[0].lowercased()) else {
            if families.contains(trimmed.lowercased()) {
                throw BlurError.invalidSpec(spec, reason: "'\(trimmed)' needs parameters, e.g. \(trimmed.lowercased()):\(example(trimmed.lowercased()))")
            }
            return try fromFile(trimmed)
        }
        let family = parts[0].lowercased()
        let numbers = parts[1].split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        func values(_ count: ClosedRange<Int>) throws -> [Double] {
            guard count.contains(numbers.count) else {
                throw BlurError.invalidSpec(spec, reason: "\(family) takes \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) or \(count.upperBound)") number(s), e.g. \(family):\(example(family))")
            }
            return try numbers.map {
                guard let v = decimal($0) else {
                    throw BlurError.invalidSpec(spec, reason: "'\($0)' is not a decimal number (digits, an optional point and exponent, e.g. 2.5 or 1e1)")
                }
                return v
            }
        }
        /// Below a tenth of a pixel a Gaussian or a disk is one pixel: no blur at all, most likely a typo.
        func atLeastATenth(_ v: Double, _ name: String) throws -> Double {
            guard v >= 0.1 else {
                throw BlurError.invalidSpec(spec, reason: "\(name) \(v) is below 0.1 px, where the kernel is a single pixel (no blur)")
            }
            return v
        }
        switch family {
        case "gaussian": return try gaussian(sigma: atLeastATenth(values(1 ... 1)[0], "sigma"))
        case "disk": return try disk(radius: atLeastATenth(values(1 ... 1)[0], "radius"))
        case "motion":
            let v = try values(2 ... 2)
            return try motion(length: v[0], angle: v[1])
        default:
            let v = try values(1 ... 2)
            // The seed is read as an integer (not through Double) so every UInt64 seed is exact.
            guard let seed = UInt64(numbers[0]) else {
                throw BlurError.invalidSpec(spec, reason: "the shake seed must be a whole number from 0 to \(UInt64.max)")
            }
            return try shake(seed: seed, length: v.count == 2 ? v[1] : nil)
        }
    }

    /// A plain decimal number (`2`, `-1.5`, `.5`, `1e-3`): what `Double.init` reads minus the forms
    /// nobody types for a blur (hexadecimal `0x10`, `inf`, `nan`), which must not be taken silently.
    static func decimal(_ text: String) -> Double? {
        var sawDigit = false, sawPoint = false, sawExponent = false, previous: Character = " "
        for (i, c) in text.enumerated() {
            switch c {
            case "0" ... "9": sawDigit = true
            case "+", "-": guard i == 0 || previous == "e" || previous == "E" else { return nil }
            case ".": guard !sawPoint, !sawExponent else { return nil }; sawPoint = true
            case "e", "E": guard sawDigit, !sawExponent else { return nil }; sawExponent = true
            default: return nil
            }
            previous = c
        }
        guard sawDigit, let v = Double(text), v.isFinite else { return nil }
        return v
    }

    static func example(_ family: String) -> String {
        ["gaussian": "2", "disk": "5", "motion": "15,30", "shake": "7"][family] ?? ""
    }

    /// Loads a kernel image.
    public static func fromFile(_ path: String) throws -> PSF {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw BlurError.invalidSpec(path, reason: "it is not a known PSF family and no such file exists")
        }
        // Devices (/dev/zero), pipes and folders are not kernel images; refuse before reading them.
        guard !isFolder.boolValue, (try? FileManager.default.attributesOfItem(atPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path)[.type] as? FileAttributeType) == .typeRegular else {
            throw BlurError.psfFile(path: path, reason: "it is not a regular file (a folder, device or pipe); give a PNG or JPEG kernel image")
        }
        let image: Image
        do { image = try readImage(at: path, maxPixels: 4_000_000) } catch {
            throw BlurError.psfFile(path: path, reason: error.localizedDescription)
        }
        return try PSF(weights: try image.luma(), kind: .file(path: path))
    }
}
