import Blur
import Foundation
import ImageCore
import ImageIO
import Metrics

/// Estimates a PSF from a blurred image (set by the command line when PSF estimation is built in).
public typealias PSFEstimator = @Sendable (_ blurred: Image) throws -> PSF

/// Runs every (case, method, PSF mode) not already in the store, in parallel over cases, and saves
/// the pictures the report shows (thumbnails, a zoomed crop and an error map per method).
public final class ComparisonRunner: @unchecked Sendable {
    public let specs: [CaseSpec]
    public let methods: [any RestorationMethod]
    public let metrics: [any Metric]
    /// `true`, `estimated` or both, for classical methods.
    public let psfModes: [String]
    public let store: RowStore
    public let assets: URL
    public let estimator: PSFEstimator?
    public let jobs: Int
    /// Called after every row with (rows done, rows total).
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// Thumbnail longest side and crop size, in pixels.
    public static let thumbnail = 200, crop = 80
    /// Error maps share this scale: |error| ≥ 0.1 is the brightest colour.
    public static let errorScale: Float = 0.1

    public init(specs: [CaseSpec], methods: [any RestorationMethod], metrics: [any Metric], psfModes: [String],
                store: RowStore, assets: URL, estimator: PSFEstimator?, jobs: Int) {
        self.specs = specs
        self.methods = methods
        self.metrics = metrics
        self.psfModes = psfModes
        self.store = store
        self.assets = assets
        self.estimator = estimator
        self.jobs = max(1, jobs)
    }

    /// The (method, PSF mode) pairs each case gets.
    public var plan: [(method: any RestorationMethod, mode: String)] {
        methods.flatMap { m -> [(method: any RestorationMethod, mode: String)] in
            m.needsPSF ? psfModes.map { (m, $0) } : [(m, "none")]
        }
    }

    func isDone(_ spec: CaseSpec, _ method: String, _ mode: String) -> Bool {
        guard let row = store.rows[ResultRow.key(image: spec.id, method: method, psfMode: mode)] else { return false }
        // A row scored before a metric was requested is recomputed.
        return row.status != "ok" || metrics.allSatisfy { row.metrics[$0.id] != nil }
    }

    public var pendingCount: Int {
        specs.reduce(0) { n, s in n + plan.filter { !isDone(s, $0.method.name, $0.mode) }.count }
    }

    /// Runs everything pending. Errors of one method on one image become `failed` rows; errors
    /// that would fail every row (unreadable image) are rethrown after the other cases finish.
    public func run() throws {
        let total = pendingCount
        let counter = Counter()
        let failure = FirstError()
        let next = Counter()
        parallelFor(jobs, threads: jobs) { _ in
            while true {
                let i = next.increment() - 1
                if i >= self.specs.count { return }
                do { try self.runCase(self.specs[i], done: counter, total: total) } catch { failure.record(error) }
            }
        }
        if let error = failure.error { throw error }
    }

    private func runCase(_ spec: CaseSpec, done: Counter, total: Int) throws {
        let pending = plan.filter { !isDone(spec, $0.method.name, $0.mode) }
        if pending.isEmpty { return }
        let tc = try spec.load()
        let dir = assets.appendingPathComponent(safeName(spec.id))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let region = detailRegion(tc.sharp)
        try saveAssets(tc.sharp, name: "sharp", dir: dir, region: region, reference: nil)
        try saveAssets(tc.blurred, name: "blurred-input", dir: dir, region: region, reference: nil)
        if let psf = tc.psf { try writeImage(psf.viewingImage(minimumSide: 96), to: dir.appendingPathComponent("psf.png").path) }

        var estimated: Result<PSF, Error>?
        var estimationSeconds = 0.0
        if pending.contains(where: { $0.mode == "estimated" }), let estimator {
            let start = Date()
            estimated = Result { try estimator(tc.blurred) }
            estimationSeconds = Date().timeIntervalSince(start)
            if case let .success(psf) = estimated {
                try writeImage(psf.viewingImage(minimumSide: 96), to: dir.appendingPathComponent("psf-estimated.png").path)
            }
        }
        for (method, mode) in pending {
            var row = ResultRow(image: spec.id, scene: spec.scene, blur: spec.blurKind, psf: spec.psfSpec, method: method.name,
                                family: method.family, psfMode: mode, status: "ok", note: nil, seconds: nil, clipped: nil,
                                metrics: [:], estimatedPSF: nil)
            var psf: PSF? = nil
            switch mode {
            case "true":
                psf = tc.psf
                if psf == nil { row.status = "unavailable"; row.note = "no true PSF is known for this image (real blur)" }
            case "estimated":
                switch estimated {
                case nil: row.status = "unavailable"; row.note = "PSF estimation is not available in this build"
                case let .failure(error)?: row.status = "failed"; row.note = "PSF estimation failed: \(error.localizedDescription)"
                case let .success(p)?: psf = p; row.estimatedPSF = p.spec
                }
            default: break
            }
            if row.status == "ok" {
                do {
                    let start = Date()
                    let restored = try method.restore(tc.blurred, psf: psf)
                    // Blind rows pay for the estimate too (it is shared by the methods of one image).
                    row.seconds = Date().timeIntervalSince(start) + (mode == "estimated" ? estimationSeconds : 0)
                    let outside = restored.pixels.reduce(0) { $0 + ($1 < 0 || $1 > 1 || !$1.isFinite ? 1 : 0) }
                    row.clipped = Double(outside) / Double(max(restored.pixels.count, 1))
                    let scored = restored.clamped(to: 0 ... 1)
                    for metric in metrics { row.metrics[metric.id] = try metric.score(reference: tc.sharp, test: scored) }
                    if method.family != .input {
                        try saveAssets(scored, name: assetName(method.name, mode), dir: dir, region: region, reference: tc.sharp)
                    }
                } catch {
                    row.status = "failed"
                    row.note = error.localizedDescription
                    row.metrics = [:]
                }
            }
            try store.append(row)
            progress?(done.increment(), total)
        }
    }

    func saveAssets(_ image: Image, name: String, dir: URL, region: (x: Int, y: Int, size: Int), reference: Image?) throws {
        let shown = image.clamped(to: 0 ... 1)
        let scale = Double(Self.thumbnail) / Double(max(shown.width, shown.height))
        let thumb = scale < 1 ? try shown.resized(width: max(1, Int((Double(shown.width) * scale).rounded())),
                                                  height: max(1, Int((Double(shown.height) * scale).rounded()))).clamped(to: 0 ... 1) : shown
        try writeImage(thumb, to: dir.appendingPathComponent("\(name).thumb.jpg").path, jpegQuality: 88)
        try writeImage(try shown.cropped(x: region.x, y: region.y, width: region.size, height: region.size),
                       to: dir.appendingPathComponent("\(name).crop.png").path)
        if let reference {
            let heat = try differenceHeatMap(reference: reference, test: shown, maximum: Self.errorScale)
            let h = heat.image
            let small = scale < 1 ? try h.resized(width: thumb.width, height: thumb.height) : h
            try writeImage(small.clamped(to: 0 ... 1), to: dir.appendingPathComponent("\(name).error.jpg").path, jpegQuality: 85)
        }
    }

    /// The square of `crop` px with the most gradient energy in the sharp image (where deblurring
    /// shows), on a 16-px grid; the whole image when smaller.
    func detailRegion(_ sharp: Image) -> (x: Int, y: Int, size: Int) {
        let size = min(Self.crop, sharp.width, sharp.height)
        let luma = (try? sharp.luma()) ?? sharp.channel(0)
        let w = luma.width, h = luma.height
        var best = (x: 0, y: 0, e: -1.0)
        for y in stride(from: 0, through: h - size, by: 16) {
            for x in stride(from: 0, through: w - size, by: 16) {
                var e = 0.0
                for yy in stride(from: y, to: y + size - 1, by: 2) {
                    for xx in stride(from: x, to: x + size - 1, by: 2) {
                        let p = luma.pixels[yy * w + xx]
                        let dx = luma.pixels[yy * w + xx + 1] - p, dy = luma.pixels[(yy + 1) * w + xx] - p
                        e += Double(dx * dx + dy * dy)
                    }
                }
                if e > best.e { best = (x, y, e) }
            }
        }
        return (best.x, best.y, size)
    }
}

/// File-name-safe version of an id (ids are file stems plus `~family`).
public func safeName(_ id: String) -> String {
    String(id.map { $0.isLetter || $0.isNumber || "-_.~".contains($0) ? $0 : "_" })
}

/// Asset stem of a method's outputs.
public func assetName(_ method: String, _ mode: String) -> String { mode == "estimated" ? "\(method).est" : method }

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}

final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?
    func record(_ e: Error) { lock.lock(); defer { lock.unlock() }; if error == nil { error = e } }
}
