import Foundation

/// The Wilcoxon signed-rank test on paired differences, two-sided, as `scipy.stats.wilcoxon(d)` with
/// its defaults (SciPy 1.17: `zero_method="wilcox"`, `correction=False`, `alternative="two-sided"`,
/// `method="auto"`).
///
/// Model: under H₀ the differences dᵢ (e.g. per-case PSNR of method A − method B) are symmetric about 0.
/// Zero differences are dropped (`"wilcox"`); the rest are ranked by |dᵢ| (ties get the average rank)
/// and R⁺ is the sum of the ranks of the positive ones. The p-value follows SciPy's `method="auto"`:
/// - n ≤ 50, no ties and no zeros: the exact null distribution of R⁺ (all 2ⁿ sign patterns, counted
///   by dynamic programming), p = min(1, 2 · min(P(R⁺ ≤ r), P(R⁺ ≥ r))).
/// - n ≤ 13 with ties or zeros: the exact sign-flip permutation distribution of the observed ranks
///   (SciPy's `PermutationMethod`, which enumerates all 2ⁿ flips when 2ⁿ ≤ 9999).
/// - otherwise the normal approximation without continuity correction: z = (R⁺ − m(m+1)/4) / σ with
///   σ² = (m(m+1)(2m+1) − Σ(t³ − t)/2) / 24 over the m non-zero differences and tie groups of size t;
///   p = 2 Φ(−|z|).
/// Here n counts the zeros too (SciPy decides the method before dropping them).
///
/// References: F. Wilcoxon, "Individual comparisons by ranking methods", Biometrics Bulletin 1 (1945);
/// SciPy `scipy/stats/_wilcoxon.py` (1.17.1). Fixture: `scripts/reference/make_stats_fixture.py`.
public struct WilcoxonSignedRank: Sendable, Equatable {
    public enum Method: String, Sendable { case exact, permutation, normal }

    /// min(R⁺, R⁻), SciPy's reported statistic.
    public let statistic: Double
    public let rPlus: Double
    public let pValue: Double
    public let method: Method
    /// Differences used (non-zero, finite).
    public let nonZero: Int

    /// - Parameter differences: paired differences; non-finite values are ignored.
    /// - Returns: nil when no difference is given (nothing to test).
    public init?(differences: [Double]) {
        let d = differences.filter(\.isFinite)
        guard !d.isEmpty else { return nil }
        let nz = d.filter { $0 != 0 }
        let hasZeros = nz.count < d.count
        let (ranks, tieGroups) = Self.averageRanks(nz.map(abs))
        let hasTies = tieGroups.contains { $0 > 1 }
        let rPlus = zip(nz, ranks).reduce(0.0) { $1.0 > 0 ? $0 + $1.1 : $0 }
        let total = Double(nz.count * (nz.count + 1)) / 2
        self.rPlus = rPlus
        self.statistic = min(rPlus, total - rPlus)
        self.nonZero = nz.count
        if d.count <= 50 && !hasTies && !hasZeros {
            method = .exact
            pValue = Self.exactP(rPlus: rPlus, n: nz.count)
        } else if d.count <= 13 {
            method = .permutation
            pValue = Self.permutationP(ranks: ranks, rPlus: rPlus)
        } else {
            method = .normal
            let m = Double(nz.count)
            let tie = tieGroups.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
            let sigma = ((m * (m + 1) * (2 * m + 1) - tie / 2) / 24).squareRoot()
            let z = (rPlus - m * (m + 1) / 4) / sigma
            pValue = sigma > 0 ? min(1, erfc(abs(z) / 2.0.squareRoot())) : .nan
        }
    }

    /// Average ranks (1-based) of `values` and the sizes of the tie groups.
    static func averageRanks(_ values: [Double]) -> (ranks: [Double], groups: [Int]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var groups: [Int] = []
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i ... j { ranks[order[k]] = rank }
            groups.append(j - i + 1)
            i = j + 1
        }
        return (ranks, groups)
    }

    /// Two-sided exact p-value of R⁺ = `rPlus` for n untied ranks 1…n.
    static func exactP(rPlus: Double, n: Int) -> Double {
        let maxSum = n * (n + 1) / 2
        var counts = [Double](repeating: 0, count: maxSum + 1)   // counts[s] = #subsets of {1…n} with sum s
        counts[0] = 1
        if n > 0 {
            for r in 1 ... n { for s in stride(from: maxSum, through: r, by: -1) { counts[s] += counts[s - r] } }
        }
        let all = counts.reduce(0, +)
        let lo = Int(rPlus.rounded(.up)), hi = Int(rPlus.rounded(.down))
        let cdf = counts[0 ... min(max(lo, 0), maxSum)].reduce(0, +) / all
        let sf = counts[min(max(hi, 0), maxSum)...].reduce(0, +) / all
        return min(1, 2 * min(cdf, sf))
    }

    /// Two-sided p-value over all 2^m sign flips of the given ranks (SciPy's exact permutation test:
    /// counts with a relative tolerance of 1e-14, no +1 adjustment).
    static func permutationP(ranks: [Double], rPlus: Double) -> Double {
        let m = ranks.count
        let gamma = max(1e-14, abs(1e-14 * rPlus))
        var less = 0, greater = 0
        for mask in 0 ..< (1 << m) {
            var s = 0.0
            for i in 0 ..< m where mask & (1 << i) != 0 { s += ranks[i] }
            if s <= rPlus + gamma { less += 1 }
            if s >= rPlus - gamma { greater += 1 }
        }
        let total = Double(1 << m)
        return min(1, 2 * min(Double(less), Double(greater)) / total)
    }
}
