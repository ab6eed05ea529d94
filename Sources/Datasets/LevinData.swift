import Blur
import Foundation
import ImageCore
import ImageIO
import Spectral

/// One blind-deconvolution benchmark case: an aligned sharp / blurred pair and the true kernel
/// (a convolution kernel: `blurred ≈ sharp ∗ psf` within noise, up to a small shift).
public struct BlindBenchmarkSample: Sendable {
    public let id: String
    public let sharp: Image
    public let blurred: Image
    public let psf: PSF
    /// How the kernel's orientation was decided (`checkKernelOrientation`).
    public let orientation: KernelOrientationCheck
}

/// How a benchmark's stored kernels are read.
public enum KernelOrientation: String, Sendable, CaseIterable {
    /// Per file, whichever of the stored kernel and its 180° rotation explains the blurred image
    /// (the residual test of `checkKernelOrientation`).
    case auto
    /// The stored kernel is a convolution kernel: used as it is.
    case stored
    /// The stored kernel is a correlation kernel (as Levin et al.'s `f`): rotated by 180°.
    case rotated
}

/// The residual test behind a kernel's orientation: the RMS of `y − x ∗ k` over the interior,
/// at the best integer shift within ±`reach` px, for `k` as stored and rotated by 180°.
public struct KernelOrientationCheck: Sendable, Equatable {
    /// True when the kernel in use is the stored one rotated by 180°.
    public var rotated: Bool
    /// True when the choice was forced (`.stored` / `.rotated`) rather than measured.
    public var forced: Bool
    /// Residual RMS with the stored kernel and with its rotation (nil when not measured: forced,
    /// or an image too small for the test).
    public var residualStored: Double?
    public var residualRotated: Double?
    /// The shift (dx, dy) of `x ∗ k` that best matches `y` for the kernel in use.
    public var shift: (x: Int, y: Int)?

    public static func == (a: Self, b: Self) -> Bool {
        a.rotated == b.rotated && a.forced == b.forced && a.residualStored == b.residualStored
            && a.residualRotated == b.residualRotated && a.shift?.x == b.shift?.x && a.shift?.y == b.shift?.y
    }
}

/// A loaded benchmark: its cases and what was left out, with why.
public struct BlindBenchmarkDataset: Sendable {
    public var samples: [BlindBenchmarkSample]
    /// One sentence per file of the folder that is not a case (e.g. an unrelated `.mat`).
    public var skipped: [String]

    public init(samples: [BlindBenchmarkSample], skipped: [String]) {
        self.samples = samples
        self.skipped = skipped
    }

    /// One sentence on the kernels' orientation, e.g. "kernels rotated by 180° (correlation
    /// kernels) in 32 of 32 cases by the residual test: RMS 0.005–0.012 rotated, 0.02–0.06 as stored".
    public var orientationSummary: String {
        let measured = samples.filter { $0.orientation.residualStored != nil }
        let forced = samples.filter { $0.orientation.forced }
        var parts: [String] = []
        if !forced.isEmpty {
            parts.append("kernels \(forced[0].orientation.rotated ? "rotated by 180°" : "used as stored") as asked (\(forced.count) cases)")
        }
        if !measured.isEmpty {
            func range(_ values: [Double]) -> String {
                guard let lo = values.min(), let hi = values.max() else { return "–" }
                return String(format: lo == hi ? "%.4f" : "%.4f–%.4f", lo, hi)
            }
            let r = measured.filter { $0.orientation.rotated }.count
            parts.append("kernels rotated by 180° (correlation kernels) in \(r) of \(measured.count) cases by the residual test "
                         + "(RMS of y − x ∗ k at the best shift within ±12 px: \(range(measured.compactMap(\.orientation.residualRotated))) rotated, "
                         + "\(range(measured.compactMap(\.orientation.residualStored))) as stored)")
        }
        let unchecked = samples.count - measured.count - forced.count
        if unchecked > 0 { parts.append("\(unchecked) cases too small for the residual test, kernels used as stored") }
        return parts.joined(separator: "; ")
    }
}

/// Loads the Levin et al. 2009 benchmark [1] from a folder in either of its public layouts:
/// - MATLAB files: every `*.mat` holding `x` (sharp), `y` (blurred) and `f` (kernel), as in the
///   original `LevinEtalCVPR09Data` and the copies in several blind-deconvolution repositories;
///   a readable `.mat` without them (e.g. the `sizeL.mat` some copies carry) is skipped with a
///   note in `skipped`; an unreadable one is an error naming it;
/// - PNG: `gt/imN.png` (sharp), `gt/kernelK.png` (kernel) and `imN_kernelK_img.png` (blurred)
///   beside `gt/`.
///
/// Images are converted to luma. **Kernel orientation**: Levin et al.'s `f` is a correlation
/// kernel — the blurred image is `y ≈ x ⋆ f`, i.e. `x ∗ rot180(f)` — while this project's PSFs are
/// convolution kernels. With `orientation: .auto` (default) each case is decided by the residual
/// test (`checkKernelOrientation`): the kernel, as stored or rotated by 180°, that leaves the smaller
/// residual `y − x ∗ k` is used (on the original benchmark, rotated: RMS at the noise level against
/// 2–6× more as stored). `.stored` / `.rotated` force a reading. A kernel with an even side then gets
/// a zero row/column appended so it has a centre pixel, and is normalised to sum 1. If `x` is larger
/// than `y` (a "valid" blur), `x` is centre-cropped to `y`.
///
/// [1] A. Levin, Y. Weiss, F. Durand, W. T. Freeman, "Understanding and evaluating blind
///     deconvolution algorithms", CVPR 2009.
/// - Throws: `BenchmarkDataError.dataset` when the folder holds neither layout (or only unrelated
///   `.mat` files, each named with what it holds), or the reader's errors for a bad file (naming it).
public func loadLevinDataset(at path: String, orientation: KernelOrientation = .auto) throws -> BlindBenchmarkDataset {
    let root = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw BenchmarkDataError.dataset(path: path, reason: "it is not a folder")
    }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? []
    let matFiles = names.filter { $0.lowercased().hasSuffix(".mat") }
    if !matFiles.isEmpty {
        var samples: [BlindBenchmarkSample] = []
        var skipped: [String] = []
        for name in matFiles {
            let file = root.appendingPathComponent(name).path
            let arrays = try readMATFile(at: file)
            let held = arrays.map(\.name)
            let missing = ["x", "y", "f"].filter { !held.contains($0) }
            guard missing.isEmpty else {
                skipped.append("\(name): holds \(held.isEmpty ? "nothing readable" : held.joined(separator: ", ")), not x, y and f — skipped")
                continue
            }
            func variable(_ key: String) -> MATArray { arrays.first { $0.name == key }! }
            let blurred = try variable("y").image(path: file).luma()
            var sharp = try variable("x").image(path: file).luma()
            let kernel = try variable("f").image(path: file).luma()
            if sharp.width > blurred.width || sharp.height > blurred.height {
                sharp = try sharp.centerCropped(width: blurred.width, height: blurred.height)
            }
            guard sharp.width == blurred.width, sharp.height == blurred.height else {
                throw BenchmarkDataError.dataset(path: file, reason: "x is \(sharp.width)×\(sharp.height) but y is \(blurred.width)×\(blurred.height)")
            }
            samples.append(try sample(id: String(name.dropLast(4)), sharp: sharp, blurred: blurred, kernel: kernel,
                                      kernelPath: file, orientation: orientation))
        }
        guard !samples.isEmpty else {
            throw BenchmarkDataError.dataset(path: path, reason: "none of its .mat files holds x (sharp), y (blurred) and f (kernel): "
                                             + skipped.joined(separator: "; "))
        }
        return BlindBenchmarkDataset(samples: samples, skipped: skipped)
    }
    let gt = root.appendingPathComponent("gt")
    let blurredNames = names.filter { $0.hasSuffix("_img.png") && $0.contains("_kernel") }
    guard FileManager.default.fileExists(atPath: gt.path), !blurredNames.isEmpty else {
        throw BenchmarkDataError.dataset(path: path, reason: "it holds neither *.mat files (x, y, f) nor gt/imN.png + gt/kernelK.png + imN_kernelK_img.png")
    }
    let samples = try blurredNames.map { name in
        // imN_kernelK_img.png
        let parts = name.dropLast("_img.png".count).split(separator: "_")
        guard parts.count == 2 else { throw BenchmarkDataError.dataset(path: path, reason: "cannot read image and kernel from '\(name)'") }
        let sharpPath = gt.appendingPathComponent("\(parts[0]).png").path
        let kernelPath = gt.appendingPathComponent("\(parts[1]).png").path
        let blurred = try readImage(at: root.appendingPathComponent(name).path, maxPixels: 40_000_000).luma()
        var sharp = try readImage(at: sharpPath, maxPixels: 40_000_000).luma()
        if sharp.width > blurred.width || sharp.height > blurred.height {
            sharp = try sharp.centerCropped(width: blurred.width, height: blurred.height)
        }
        guard sharp.width == blurred.width, sharp.height == blurred.height else {
            throw BenchmarkDataError.dataset(path: sharpPath, reason: "it is \(sharp.width)×\(sharp.height) but \(name) is \(blurred.width)×\(blurred.height)")
        }
        let kernel = try readImage(at: kernelPath, maxPixels: 1_000_000).luma()
        return try sample(id: String(name.dropLast(8)), sharp: sharp, blurred: blurred, kernel: kernel, kernelPath: kernelPath, orientation: orientation)
    }
    return BlindBenchmarkDataset(samples: samples, skipped: [])
}

/// One case with its kernel read the way `orientation` says (see `loadLevinDataset`).
func sample(id: String, sharp: Image, blurred: Image, kernel: Image, kernelPath: String,
            orientation: KernelOrientation) throws -> BlindBenchmarkSample {
    let stored = try oddKernel(kernel, path: kernelPath)
    let rotated = try oddKernel(kernel.rotated180, path: kernelPath)
    let check: KernelOrientationCheck
    switch orientation {
    case .stored: check = KernelOrientationCheck(rotated: false, forced: true)
    case .rotated: check = KernelOrientationCheck(rotated: true, forced: true)
    case .auto: check = try checkKernelOrientation(sharp: sharp, blurred: blurred, stored: stored.weights, rotated: rotated.weights)
    }
    return BlindBenchmarkSample(id: id, sharp: sharp, blurred: blurred, psf: check.rotated ? rotated : stored, orientation: check)
}

/// The residual test: is `blurred ≈ sharp ∗ k` for the kernel as stored or for its 180° rotation?
/// Both are measured as the RMS of `y − (x ∗ k)` shifted by the best integer offset within ±`reach`
/// px, over the interior that keeps clear of the borders (reflect padding there is a guess); the
/// smaller wins (ties: as stored). Images too small for the test keep the stored kernel, unmeasured.
public func checkKernelOrientation(sharp: Image, blurred: Image, stored: Image, rotated: Image,
                                   reach: Int = 12) throws -> KernelOrientationCheck {
    let half = max(stored.width, stored.height) / 2
    let margin = reach + half + 1
    guard sharp.width > 2 * margin + 4, sharp.height > 2 * margin + 4 else {
        return KernelOrientationCheck(rotated: false, forced: false)
    }
    let a = try kernelResidual(sharp: sharp, blurred: blurred, kernel: stored, reach: reach, margin: margin)
    let b = try kernelResidual(sharp: sharp, blurred: blurred, kernel: rotated, reach: reach, margin: margin)
    let useRotated = b.rms < a.rms
    return KernelOrientationCheck(rotated: useRotated, forced: false, residualStored: a.rms, residualRotated: b.rms,
                                  shift: useRotated ? b.shift : a.shift)
}

/// RMS of `blurred(p) − (sharp ∗ kernel)(p + s)` over the interior `[margin, N − margin)`,
/// minimised over integer shifts `s` within ±`reach`.
public func kernelResidual(sharp: Image, blurred: Image, kernel: Image, reach: Int, margin: Int) throws -> (rms: Double, shift: (x: Int, y: Int)) {
    let z = try convolve(sharp, kernel: kernel, boundary: .reflect)
    let w = sharp.width, h = sharp.height
    precondition(margin >= reach && w > 2 * margin && h > 2 * margin, "interior too small for the residual test")
    var best = (ssd: Double.infinity, x: 0, y: 0)
    for sy in -reach ... reach {
        for sx in -reach ... reach {
            var ssd = 0.0
            for row in margin ..< h - margin {
                let yr = row * w, zr = (row + sy) * w + sx
                for col in margin ..< w - margin {
                    let d = Double(blurred.pixels[yr + col] - z.pixels[zr + col])
                    ssd += d * d
                }
                if ssd >= best.ssd { break }
            }
            if ssd < best.ssd { best = (ssd, sx, sy) }
        }
    }
    let count = Double((w - 2 * margin) * (h - 2 * margin))
    return ((best.ssd / count).squareRoot(), (best.x, best.y))
}

/// True when `path` is a folder that looks like the Levin et al. benchmark: it holds `*.mat`
/// files or a `gt/` sub-folder (`loadLevinDataset` then says what else is missing).
public func isLevinDataset(at path: String) -> Bool {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.contains { $0.lowercased().hasSuffix(".mat") } || names.contains("gt")
}

/// A kernel image as a PSF, padded with a zero row/column where a side is even.
func oddKernel(_ image: Image, path: String) throws -> PSF {
    var k = try image.luma()
    if k.width % 2 == 0 || k.height % 2 == 0 {
        k = k.padded(top: 0, bottom: k.height % 2 == 0 ? 1 : 0, left: 0, right: k.width % 2 == 0 ? 1 : 0, mode: .zero)
    }
    do { return try PSF(weights: k, kind: .file(path: path)) } catch {
        throw BenchmarkDataError.dataset(path: path, reason: "the kernel is not usable: \(error.localizedDescription)")
    }
}

extension Image {
    /// The image turned by 180° (every channel): pixel (y, x) moves to (H − 1 − y, W − 1 − x).
    var rotated180: Image {
        var out = self
        let plane = planeSize
        for c in 0 ..< channels {
            for i in 0 ..< plane { out.pixels[c * plane + i] = pixels[c * plane + plane - 1 - i] }
        }
        return out
    }
}
