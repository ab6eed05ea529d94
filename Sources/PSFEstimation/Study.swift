import Blur
import Datasets
import Foundation
import ImageCore

/// How big a PSF study is.
public struct PSFStudyOptions: Sendable {
    /// A smaller sweep (about a third of the cases) for a run of a minute or so.
    public var quick = false
    /// At most this many cases per family and group (after the sweep is built).
    public var limit: Int?
    /// Side of each synthetic blurred image (a seeded random crop of the source, blurred "valid").
    public var side = 384
    /// Noise σ of the main sweep (the targets are stated at 0.01).
    public var noiseSigma = 0.01
    /// Noise levels of the noise sweep.
    public var noiseLevels: [Double] = [0, 0.005, 0.01, 0.02]
    /// Extra kernel side given to the blind estimator beyond the true kernel's (odd, ≥ 0).
    public var blindMargin = 2
    public var seed: UInt64 = 0

    public init() {}
}

/// One case of a study: what blur, on which image, estimated with which model.
public struct PSFStudyCase: Sendable {
    public let id: String
    /// `main` (the sweep at `noiseSigma`), `noise` (the noise sweep), `levin` (benchmark data) or
    /// `levin-like` (`levinLikeCases`).
    public let group: String
    /// `motion`, `defocus`, `gaussian`, `shake` or `levin`.
    public let family: String
    public let image: String
    public let psf: PSF
    public let noise: Double
    public let model: PSFModelKind
    public let seed: UInt64
    /// Levin-like cases use the whole scene: the photograph downscaled by an integer factor, then
    /// its centre (`levinLikeSource`); the sweep's cases a seeded random crop.
    public var wholeScene = false
}

/// The measured outcome of one case (one CSV row).
public struct PSFStudyRow: Codable, Sendable {
    public var id: String
    public var group: String
    public var family: String
    public var model: String
    public var image: String
    public var trueSpec: String
    /// Added noise σ; nil for benchmark data (unknown).
    public var noise: Double?
    public var kernelSide: Int
    public var trueLength: Double?, trueAngle: Double?, trueRadius: Double?, trueSigma: Double?
    public var length: Double?, angle: Double?, radius: Double?, sigma: Double?
    public var confidence: Double?
    /// `kernelNCC` of the estimated and true kernels.
    public var ncc: Double?
    /// `errorRatio` (Levin et al. 2009) with `errorRatioDeconvolverName`.
    public var errorRatio: Double?
    public var seconds: Double?
    public var failure: String?

    /// Estimated − true length (px).
    public var lengthError: Double? { length.flatMap { l in trueLength.map { l - $0 } } }
    /// Estimated − true angle, wrapped to (−90, 90] degrees (a line's direction is modulo 180°).
    public var angleError: Double? {
        guard let a = angle, let t = trueAngle else { return nil }
        var d = (a - t).truncatingRemainder(dividingBy: 180)
        if d > 90 { d -= 180 }
        if d <= -90 { d += 180 }
        return d
    }
    public var radiusError: Double? { radius.flatMap { r in trueRadius.map { r - $0 } } }
    public var sigmaError: Double? { sigma.flatMap { s in trueSigma.map { s - $0 } } }

    /// The family's parameter target: motion |ΔL| ≤ 1 px and |Δθ| ≤ 2°, defocus |ΔR| ≤ 0.5 px,
    /// Gaussian |Δσ| ≤ 10 % of σ, shake / Levin error ratio ≤ 3. False for a failed case.
    public var success: Bool {
        switch family {
        case "motion":
            guard let dl = lengthError, let da = angleError else { return false }
            return abs(dl) <= 1 && abs(da) <= 2
        case "defocus":
            guard let dr = radiusError else { return false }
            return abs(dr) <= 0.5
        case "gaussian":
            guard let ds = sigmaError, let t = trueSigma else { return false }
            return abs(ds) <= 0.1 * t
        default:
            guard let r = errorRatio else { return false }
            return r <= 3
        }
    }
}

/// The synthetic sweep of the issue: motion length 5–35 px × angle 0–180°, disk radius 2–12 px,
/// Gaussian σ 1–4 px, camera shakes (`PSF.shake`, trajectories 10–30 px), all at `noiseSigma`;
/// and a noise sweep (σ over `noiseLevels`) of one blur per family. Grid values get seeded
/// jitter (length ±0.5 px, angle +0–15°, radius ±0.25 px) so estimators are not tested only on
/// round numbers; images are used in turn.
public func syntheticStudyCases(imageNames: [String], options: PSFStudyOptions) throws -> [PSFStudyCase] {
    precondition(!imageNames.isEmpty, "a study needs at least one image")
    var rng = SeededRNG(seed: options.seed, stream: 0x57D1)
    var cases: [PSFStudyCase] = []
    var counter = 0
    func add(_ group: String, _ family: String, _ psf: PSF, noise: Double, model: PSFModelKind) {
        let image = imageNames[counter % imageNames.count]
        counter += 1
        cases.append(PSFStudyCase(id: String(format: "%@-%03d", group, cases.count), group: group, family: family, image: image,
                                  psf: psf, noise: noise, model: model, seed: options.seed &+ UInt64(cases.count)))
    }
    func tenth(_ v: Double) -> Double { (v * 10).rounded() / 10 }
    let lengths: [Double] = [5, 10, 15, 20, 25, 30, 35]
    let angles: [Double] = options.quick ? [0, 45, 90, 135] : stride(from: 0.0, to: 180, by: 15).map { $0 }
    let angleJitter = options.quick ? 45.0 : 15.0
    for l in lengths {
        for a in angles {
            let length = min(35, max(5, tenth(l + rng.uniform(in: -0.5 ... 0.5))))
            let angle = tenth(a + rng.uniform(in: 0 ... angleJitter)).truncatingRemainder(dividingBy: 180)
            add("main", "motion", try PSF.motion(length: length, angle: angle), noise: options.noiseSigma, model: .motion)
        }
    }
    let radii = stride(from: 2.0, through: 12, by: options.quick ? 1 : 0.5).map { $0 }
    for r in radii {
        add("main", "defocus", try PSF.disk(radius: min(12, max(2, tenth(r + rng.uniform(in: -0.25 ... 0.25))))), noise: options.noiseSigma, model: .defocus)
    }
    let sigmas = stride(from: 1.0, through: 4, by: options.quick ? 1 : 0.5).map { $0 }
    for _ in 0 ..< (options.quick ? 1 : 2) {
        for s in sigmas { add("main", "gaussian", try PSF.gaussian(sigma: s), noise: options.noiseSigma, model: .gaussian) }
    }
    for _ in 0 ..< (options.quick ? 10 : 30) {
        add("main", "shake", try PSF.shake(seed: rng.next() >> 20), noise: options.noiseSigma, model: .blind)
    }
    for noise in options.noiseLevels {
        for _ in 0 ..< (options.quick ? 1 : 3) {
            add("noise", "motion", try PSF.motion(length: tenth(rng.uniform(in: 8 ... 30)), angle: tenth(rng.uniform(in: 0 ... 179.9))), noise: noise, model: .motion)
            add("noise", "defocus", try PSF.disk(radius: tenth(rng.uniform(in: 2.5 ... 10))), noise: noise, model: .defocus)
            add("noise", "gaussian", try PSF.gaussian(sigma: tenth(rng.uniform(in: 1 ... 4))), noise: noise, model: .gaussian)
            add("noise", "shake", try PSF.shake(seed: rng.next() >> 20), noise: noise, model: .blind)
        }
    }
    guard let limit = options.limit else { return cases }
    var taken: [String: Int] = [:]
    return cases.filter { c in
        let key = c.group + "/" + c.family
        taken[key, default: 0] += 1
        return taken[key]! <= limit
    }
}

/// The eight camera shakes of the Levin-like check, one per kernel side of Levin et al. 2009's
/// benchmark (19, 17, 15, 27, 13, 21, 23, 23 px): for each side the first `shake:SEED,LENGTH` with
/// that side, seeds searched from 100·i + 1 (i = 1…8) and lengths from the side − 2 upwards — curved,
/// looped and straight trajectories like the benchmark's.
public let levinLikeKernels = ["shake:101,17", "shake:201,19", "shake:301,27", "shake:402,27",
                               "shake:501,11", "shake:601,39", "shake:701,37", "shake:801,25"]

/// The Levin-like check's side (the benchmark's images are 255 × 255) and its default photographs:
/// four scenes of the built-in test split that are neither textures nor defocused (never used to
/// tune the estimator).
public let levinLikeSide = 255
public let levinLikeDefaultImages = ["astronaut", "stream", "wine", "hubble_deep_field"]

/// A synthetic stand-in for the Levin et al. 2009 benchmark, whose real images are not in the
/// repository: 4 photographs × the 8 `levinLikeKernels` = 32 cases, each the centre 255² of the
/// photograph downscaled to a whole scene (`levinLikeSource`), blurred "valid" with σ = `noise`
/// and 8-bit quantisation, estimated blind at the true kernel side (as on the benchmark).
public func levinLikeCases(imageNames: [String], noise: Double, seed: UInt64) throws -> [PSFStudyCase] {
    var cases: [PSFStudyCase] = []
    for image in imageNames {
        for spec in levinLikeKernels {
            var c = PSFStudyCase(id: String(format: "levin-like-%02d", cases.count), group: "levin-like", family: "shake", image: image,
                                 psf: try PSF.parse(spec), noise: noise, model: .blind, seed: seed &+ UInt64(cases.count))
            c.wholeScene = true
            cases.append(c)
        }
    }
    return cases
}

/// A photograph as the Levin-like check sees it: luma, downscaled by the largest integer factor
/// (area averaging) that keeps the short side at least 255 + 26 px, so the 255² window plus the
/// largest kernel shows most of the scene, as the benchmark's images do.
public func levinLikeSource(_ image: Image) throws -> Image {
    let gray = try image.luma()
    let needed = levinLikeSide + 26
    let factor = max(1, min(gray.width, gray.height) / needed)
    return try downscaleByAveraging(gray, factor: factor)
}

/// Runs one synthetic case: a seeded random crop of `source` (luma) blurred "valid" with
/// `degrade` (noise, 8-bit quantisation), then the estimate and its scores.
public func runSyntheticCase(_ c: PSFStudyCase, source: Image, options: PSFStudyOptions) -> PSFStudyOutcome {
    var row = blankRow(c)
    var estimate: PSF?
    do {
        let gray = try source.luma()
        let cropW = options.side + c.psf.width - 1, cropH = options.side + c.psf.height - 1
        guard gray.width >= cropW, gray.height >= cropH else {
            throw PSFEstimationError.imageTooSmall(width: gray.width, height: gray.height, minimum: max(cropW, cropH))
        }
        var rng = SeededRNG(seed: c.seed, stream: 0xC409)
        var x = Int(rng.next() % UInt64(gray.width - cropW + 1)), y = Int(rng.next() % UInt64(gray.height - cropH + 1))
        if c.wholeScene { (x, y) = ((gray.width - cropW) / 2, (gray.height - cropH) / 2) }
        let crop = try gray.cropped(x: x, y: y, width: cropW, height: cropH)
        let degraded = try degrade(crop, psf: c.psf, options: DegradationOptions(noiseSigma: c.noise), seed: c.seed)
        estimate = try measure(&row, c, sharp: degraded.sharp, blurred: degraded.blurred, options: options)
    } catch {
        row.failure = error.localizedDescription
    }
    return PSFStudyOutcome(row: row, truePSF: c.psf, estimatedPSF: estimate)
}

/// Runs one benchmark case (e.g. Levin et al.): blind estimation at the true kernel's size.
public func runBenchmarkCase(_ sample: BlindBenchmarkSample, options: PSFStudyOptions) -> PSFStudyOutcome {
    let c = PSFStudyCase(id: sample.id, group: "levin", family: "levin", image: sample.id, psf: sample.psf,
                         noise: .nan, model: .blind, seed: options.seed)
    var row = blankRow(c)
    var estimate: PSF?
    do { estimate = try measure(&row, c, sharp: sample.sharp, blurred: sample.blurred, options: options, blindMargin: 0) } catch {
        row.failure = error.localizedDescription
    }
    return PSFStudyOutcome(row: row, truePSF: c.psf, estimatedPSF: estimate)
}

func blankRow(_ c: PSFStudyCase) -> PSFStudyRow {
    let p = c.psf.kind.parameters
    var row = PSFStudyRow(id: c.id, group: c.group, family: c.family, model: c.model.rawValue, image: c.image,
                          trueSpec: c.family == "levin" ? "levin:\(c.image)" : c.psf.spec, noise: c.noise.isNaN ? nil : c.noise, kernelSide: max(c.psf.width, c.psf.height))
    row.trueLength = p["length"].flatMap { _ in c.family == "motion" ? p["length"] : nil }
    row.trueAngle = p["angle"]
    row.trueRadius = p["radius"]
    row.trueSigma = p["sigma"]
    return row
}

@discardableResult
func measure(_ row: inout PSFStudyRow, _ c: PSFStudyCase, sharp: Image, blurred: Image, options: PSFStudyOptions,
             blindMargin: Int? = nil) throws -> PSF {
    var size: Int?
    if c.model == .blind {
        size = max(c.psf.width, c.psf.height) + (blindMargin ?? options.blindMargin)
        if size! % 2 == 0 { size! += 1 }
    }
    let start = Date()
    let estimate = try estimatePSF(blurred, model: c.model, kernelSize: size, seed: c.seed)
    row.seconds = Date().timeIntervalSince(start)
    row.length = estimate.length
    row.angle = estimate.angle
    row.radius = estimate.radius
    row.sigma = estimate.sigma
    row.confidence = estimate.confidence
    row.ncc = kernelNCC(estimate.psf, c.psf)
    row.errorRatio = try errorRatio(sharp: sharp, blurred: blurred, truePSF: c.psf, estimatedPSF: estimate.psf).ratio
    return estimate.psf
}

/// One case's row with its true and estimated kernels (the report draws the worst blind ones).
public struct PSFStudyOutcome: Sendable {
    public var row: PSFStudyRow
    public var truePSF: PSF
    /// Nil when the estimation failed.
    public var estimatedPSF: PSF?
}

// MARK: - Summary

/// Success rates and error statistics of one family within one group.
public struct PSFStudyFamilySummary: Codable, Sendable {
    public var group: String
    public var family: String
    public var cases: Int
    public var failures: Int
    /// Fraction meeting the family's parameter target (`PSFStudyRow.success`).
    public var successRate: Double
    public var target: String
    /// Fraction with error ratio ≤ t for t = 1.5, 1.6, …, 3.0.
    public var errorRatioCurve: [Double]
    public var medianErrorRatio: Double?
    public var medianNCC: Double?
    /// Median absolute parameter errors (the ones that apply).
    public var medianAbsLengthError: Double?, medianAbsAngleError: Double?, medianAbsRadiusError: Double?, medianAbsSigmaError: Double?
    public var medianSeconds: Double?

    /// The fraction of cases with error ratio ≤ `threshold`, one of `errorRatioThresholds` (nil otherwise).
    public func errorRatioRate(atMost threshold: Double) -> Double? {
        errorRatioThresholds.firstIndex(of: threshold).flatMap { $0 < errorRatioCurve.count ? errorRatioCurve[$0] : nil }
    }
}

public let errorRatioThresholds: [Double] = stride(from: 1.5, through: 3.0001, by: 0.1).map { ($0 * 10).rounded() / 10 }

func median(_ values: [Double]) -> Double? {
    let v = values.filter { $0.isFinite }.sorted()
    guard !v.isEmpty else { return nil }
    return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
}

public func summarize(_ rows: [PSFStudyRow]) -> [PSFStudyFamilySummary] {
    let targets = ["motion": "|ΔL| ≤ 1 px and |Δθ| ≤ 2°", "defocus": "|ΔR| ≤ 0.5 px", "gaussian": "|Δσ| ≤ 10 % of σ",
                   "shake": "error ratio ≤ 3", "levin": "error ratio ≤ 3"]
    var keys: [(String, String)] = []
    for r in rows where !keys.contains(where: { $0 == (r.group, r.family) }) { keys.append((r.group, r.family)) }
    return keys.map { group, family in
        let subset = rows.filter { $0.group == group && $0.family == family }
        let n = Double(subset.count)
        let ratios = subset.map { $0.errorRatio ?? .infinity }
        return PSFStudyFamilySummary(
            group: group, family: family, cases: subset.count, failures: subset.filter { $0.failure != nil }.count,
            successRate: Double(subset.filter(\.success).count) / n, target: targets[family] ?? "",
            errorRatioCurve: errorRatioThresholds.map { t in Double(ratios.filter { $0 <= t }.count) / n },
            medianErrorRatio: median(subset.compactMap(\.errorRatio)), medianNCC: median(subset.compactMap(\.ncc)),
            medianAbsLengthError: median(subset.compactMap(\.lengthError).map(abs)),
            medianAbsAngleError: median(subset.compactMap(\.angleError).map(abs)),
            medianAbsRadiusError: median(subset.compactMap(\.radiusError).map(abs)),
            medianAbsSigmaError: median(subset.compactMap(\.sigmaError).map(abs)),
            medianSeconds: median(subset.compactMap(\.seconds)))
    }
}
