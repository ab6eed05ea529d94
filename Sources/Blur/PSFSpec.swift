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
                guard let v = Double($0), v.isFinite else { throw BlurError.invalidSpec(spec, reason: "'\($0)' is not a number") }
                return v
            }
        }
        switch family {
        case "gaussian": return try gaussian(sigma: values(1 ... 1)[0])
        case "disk": return try disk(radius: values(1 ... 1)[0])
        case "motion":
            let v = try values(2 ... 2)
            return try motion(length: v[0], angle: v[1])
        default:
            let v = try values(1 ... 2)
            guard v[0] >= 0, v[0] == v[0].rounded(), v[0] < 9.0e15 else {
                throw BlurError.invalidSpec(spec, reason: "the shake seed must be a non-negative whole number")
            }
            return try shake(seed: UInt64(v[0]), length: v.count == 2 ? v[1] : nil)
        }
    }

    static func example(_ family: String) -> String {
        ["gaussian": "2", "disk": "5", "motion": "15,30", "shake": "7"][family] ?? ""
    }

    /// Loads a kernel image.
    public static func fromFile(_ path: String) throws -> PSF {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BlurError.invalidSpec(path, reason: "it is not a known PSF family and no such file exists")
        }
        let image: Image
        do { image = try readImage(at: path, maxPixels: 4_000_000) } catch {
            throw BlurError.psfFile(path: path, reason: error.localizedDescription)
        }
        return try PSF(weights: try image.luma(), kind: .file(path: path))
    }
}
