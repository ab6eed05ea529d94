import Blur
import Foundation
import ImageCore
import ImageIO

/// One blind-deconvolution benchmark case: an aligned sharp / blurred pair and the true kernel.
public struct BlindBenchmarkSample: Sendable {
    public let id: String
    public let sharp: Image
    public let blurred: Image
    public let psf: PSF
}

/// Loads the Levin et al. 2009 benchmark [1] from a folder in either of its public layouts:
/// - MATLAB files: every `*.mat` holding `x` (sharp), `y` (blurred) and `f` (kernel), as in the
///   original `LevinEtalCVPR09Data` and the copies in several blind-deconvolution repositories;
/// - PNG: `gt/imN.png` (sharp), `gt/kernelK.png` (kernel) and `imN_kernelK_img.png` (blurred)
///   beside `gt/`.
/// Images are converted to luma. A kernel with an even side gets a zero row/column appended so
/// it has a centre pixel; kernels are normalised to sum 1 (Levin's `f` are stored flipped-or-not
/// as convolution kernels, which is our convention). If `x` is larger than `y` (a "valid" blur),
/// `x` is centre-cropped to `y`.
///
/// [1] A. Levin, Y. Weiss, F. Durand, W. T. Freeman, "Understanding and evaluating blind
///     deconvolution algorithms", CVPR 2009.
/// - Throws: `BenchmarkDataError.dataset` when the folder holds neither layout, or the
///   reader's errors for a bad file (naming it).
public func loadLevinDataset(at path: String) throws -> [BlindBenchmarkSample] {
    let root = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw BenchmarkDataError.dataset(path: path, reason: "it is not a folder")
    }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? []
    let matFiles = names.filter { $0.lowercased().hasSuffix(".mat") }
    if !matFiles.isEmpty {
        return try matFiles.map { name in
            let file = root.appendingPathComponent(name).path
            let arrays = try readMATFile(at: file)
            func variable(_ key: String) throws -> MATArray {
                guard let a = arrays.first(where: { $0.name == key }) else {
                    throw BenchmarkDataError.matVariableMissing(path: file, name: key, available: arrays.map(\.name))
                }
                return a
            }
            let blurred = try variable("y").image(path: file).luma()
            var sharp = try variable("x").image(path: file).luma()
            let kernel = try variable("f").image(path: file)
            if sharp.width > blurred.width || sharp.height > blurred.height {
                sharp = try sharp.centerCropped(width: blurred.width, height: blurred.height)
            }
            guard sharp.width == blurred.width, sharp.height == blurred.height else {
                throw BenchmarkDataError.dataset(path: file, reason: "x is \(sharp.width)×\(sharp.height) but y is \(blurred.width)×\(blurred.height)")
            }
            return BlindBenchmarkSample(id: String(name.dropLast(4)), sharp: sharp, blurred: blurred, psf: try oddKernel(kernel, path: file))
        }
    }
    let gt = root.appendingPathComponent("gt")
    let blurredNames = names.filter { $0.hasSuffix("_img.png") && $0.contains("_kernel") }
    guard FileManager.default.fileExists(atPath: gt.path), !blurredNames.isEmpty else {
        throw BenchmarkDataError.dataset(path: path, reason: "it holds neither *.mat files (x, y, f) nor gt/imN.png + gt/kernelK.png + imN_kernelK_img.png")
    }
    return try blurredNames.map { name in
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
        return BlindBenchmarkSample(id: String(name.dropLast(8)), sharp: sharp, blurred: blurred, psf: try oddKernel(kernel, path: kernelPath))
    }
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
