import ImageCore

/// The blur families synthetic data draws from.
public enum BlurFamily: String, Sendable, CaseIterable, Codable {
    case defocus, motion, shake, gaussian
}

/// Draws random PSFs from one or more families, reproducibly from a `SeededRNG`.
///
/// Parameter ranges (uniform; parameters are rounded to 0.1 px / 1° before the kernel is made,
/// so the recorded spec string reproduces the kernel exactly):
/// - defocus: `disk` radius 1.5 – 8 px
/// - motion: length 5 – 25 px, angle 0 – 180°
/// - shake: a fresh seed; trajectory length 10 – 30 px (see `PSF.shake`)
/// - gaussian: σ 0.8 – 3 px
/// `mixed` picks the family uniformly first.
public struct PSFSampler: Sendable {
    public let families: [BlurFamily]

    public init(families: [BlurFamily]) {
        precondition(!families.isEmpty, "PSFSampler needs at least one family")
        self.families = families
    }

    /// All four families.
    public static let mixed = PSFSampler(families: BlurFamily.allCases)

    /// What `init(name:)` accepts, for help texts and error messages.
    public static let acceptedNames = "mixed, " + BlurFamily.allCases.map(\.rawValue).joined(separator: ", ")
        + ", or a comma-separated list of distinct families (e.g. defocus,gaussian,motion)"

    /// `mixed`, one family name, or a comma-separated list of distinct families (e.g.
    /// `defocus,gaussian,motion`: mixed without shake, for testing on a held-out family); nil for
    /// anything else.
    public init?(name: String) {
        if name == "mixed" { self = .mixed; return }
        var families: [BlurFamily] = []
        for part in name.split(separator: ",", omittingEmptySubsequences: false) {
            guard let family = BlurFamily(rawValue: String(part)), !families.contains(family) else { return nil }
            families.append(family)
        }
        self.init(families: families)
    }

    public func sample(_ rng: inout SeededRNG) throws -> PSF {
        let family = families[Int(rng.next() % UInt64(families.count))]
        func tenth(_ v: Double) -> Double { (v * 10).rounded() / 10 }
        switch family {
        case .defocus: return try PSF.disk(radius: tenth(rng.uniform(in: 1.5 ... 8)))
        case .motion: return try PSF.motion(length: tenth(rng.uniform(in: 5 ... 25)), angle: rng.uniform(in: 0 ... 180).rounded())
        case .shake: return try PSF.shake(seed: rng.next() >> 12)
        case .gaussian: return try PSF.gaussian(sigma: tenth(rng.uniform(in: 0.8 ... 3)))
        }
    }
}
