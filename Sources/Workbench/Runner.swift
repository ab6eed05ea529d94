import Blur
import Foundation
import ImageCore
import ImageIO
import Metrics

/// Runs every (case, method, PSF mode) not already in the store, in parallel over cases, and saves
/// the pictures the report shows (thumbnails, a zoomed crop and an error map per method).
public final class ComparisonRunner: @unchecked Sendable {
    public let specs: [CaseSpec]
    public let methods: [any RestorationMethod]
    public let metrics: [any Metric]
    /// The PSF rows classical methods get (true, estimated or both).
    public let psfModes: [PSFMode]
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

    public init(specs: [CaseSpec], methods: [any RestorationMethod], metrics: [any Metric], psfModes: [PSFMode],
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
    public var plan: [(method: any RestorationMethod, mode: PSFMode)] {
        methods.flatMap { m -> [(method: any RestorationMethod, mode: PSFMode)] in
            m.needsPSF ? psfModes.map { (m, $0) } : [(m, .none)]
        }
    }

    func isDone(_ spec: CaseSpec, _ method: String, _ mode: PSFMode) -> Bool {
        guard let row = store.rows[ResultRow.key(image: spec.id, method: method, psfMode: mode)] else { return false }
        // A row scored before a metric was requested is recomputed.
        return row.status != .ok || metrics.allSatisfy { row.metrics[$0.id] != nil }
    }

    public var pendingCount: Int {
        specs.reduce(0) { n, s in n + plan.filter { !isDone(s, $0.method.name, $0.mode) }.count }
    }

    /// Runs everything pending. Errors of one method on one image become `failed` rows; errors
    /// that would fail every row (unreadable image) are rethrown after the other cases finish.
    public func run() throws {
        let done = ProgressCounter(total: pendingCount, report: progress)
        let failure = FirstError()
        let next = ProgressCounter(total: specs.count)
        parallelFor(jobs, threads: jobs) { _ in
            while true {
                let i = next.step() - 1
                if i >= self.specs.count { return }
                do { try self.runCase(self.specs[i], done: done) } catch { failure.record(error) }
            }
        }
        if let error = failure.error { throw error }
    }

    /// One case: load it, save its pictures, estimate its PSF once if a row needs it, then restore
    /// and score each pending row.
    private func runCase(_ spec: CaseSpec, done: ProgressCounter) throws {
        let pending = plan.filter { !isDone(spec, $0.method.name, $0.mode) }
        if pending.isEmpty { return }
        let tc = try spec.load()
        let dir = assets.appendingPathComponent(safeName(spec.id))
        let region = detailRegion(tc.sharp)
        try saveCaseAssets(tc, dir: dir, region: region)
        let estimate = pending.contains(where: { $0.mode == .estimated }) ? try estimatePSF(tc, dir: dir) : nil
        for (method, mode) in pending {
            var row = ResultRow(image: spec.id, scene: spec.scene, blur: spec.blurKind, psf: spec.psfSpec, method: method.name,
                                family: method.family, psfMode: mode, status: .ok, note: nil, seconds: nil, clipped: nil,
                                metrics: [:], estimatedPSF: nil)
            if let psf = psfForRow(&row, case: tc, estimate: estimate) {
                restoreAndScore(&row, method: method, psf: psf, case: tc, estimationSeconds: estimate?.seconds ?? 0, dir: dir, region: region)
            }
            try store.append(row)
            done.step()
        }
    }

    /// Writes the sharp and blurred pictures and the true PSF of a case.
    private func saveCaseAssets(_ tc: TestCase, dir: URL, region: (x: Int, y: Int, size: Int)) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try saveAssets(tc.sharp, name: "sharp", dir: dir, region: region, reference: nil)
        try saveAssets(tc.blurred, name: "blurred-input", dir: dir, region: region, reference: nil)
        if let psf = tc.psf { try writeImage(psf.viewingImage(minimumSide: 96), to: dir.appendingPathComponent("psf.png").path) }
    }

    /// The estimated PSF of a case (shared by the methods of one image) and the seconds it took;
    /// nil without an estimator.
    private func estimatePSF(_ tc: TestCase, dir: URL) throws -> (result: Result<PSF, Error>, seconds: Double)? {
        guard let estimator else { return nil }
        let start = Date()
        let result = Result { try estimator(tc.blurred) }
        let seconds = Date().timeIntervalSince(start)
        if case let .success(psf) = result {
            try writeImage(psf.viewingImage(minimumSide: 96), to: dir.appendingPathComponent("psf-estimated.png").path)
        }
        return (result, seconds)
    }

    /// The PSF a row's method gets: the true or estimated one, `.some(nil)` for methods without a
    /// PSF, or nil (the row marked unavailable or failed) when the PSF it needs is missing.
    private func psfForRow(_ row: inout ResultRow, case tc: TestCase,
                           estimate: (result: Result<PSF, Error>, seconds: Double)?) -> PSF?? {
        switch row.psfMode {
        case .none:
            return .some(nil)
        case .true:
            guard let psf = tc.psf else {
                row.status = .unavailable
                row.note = "no true PSF is known for this image (real blur)"
                return nil
            }
            return psf
        case .estimated:
            switch estimate?.result {
            case nil:
                row.status = .unavailable
                row.note = "PSF estimation is not available in this build"
                return nil
            case let .failure(error)?:
                row.status = .failed
                row.note = "PSF estimation failed: \(error.localizedDescription)"
                return nil
            case let .success(p)?:
                row.estimatedPSF = p.spec
                return p
            }
        }
    }

    /// Restores, clips (counted), scores and saves the pictures of one row; an error fails the row.
    private func restoreAndScore(_ row: inout ResultRow, method: any RestorationMethod, psf: PSF?, case tc: TestCase,
                                 estimationSeconds: Double, dir: URL, region: (x: Int, y: Int, size: Int)) {
        do {
            let start = Date()
            let restored = try method.restore(tc.blurred, psf: psf)
            // Blind rows pay for the estimate too (it is shared by the methods of one image).
            row.seconds = Date().timeIntervalSince(start) + (row.psfMode == .estimated ? estimationSeconds : 0)
            let clipped = try ClippedRestoration(restored, method: method.name)
            row.clipped = clipped.clippedFraction
            row.metrics = try clipped.scores(against: tc.sharp, metrics: metrics)
            if method.family != .input {
                try saveAssets(clipped.image, name: assetName(method.name, row.psfMode), dir: dir, region: region, reference: tc.sharp)
            }
        } catch {
            row.status = .failed
            row.note = error.localizedDescription
            row.metrics = [:]
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
public func assetName(_ method: String, _ mode: PSFMode) -> String { mode == .estimated ? "\(method).est" : method }

final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?
    func record(_ e: Error) { lock.lock(); defer { lock.unlock() }; if error == nil { error = e } }
}
