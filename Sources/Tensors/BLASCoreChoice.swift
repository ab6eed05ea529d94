import CBLAS
import Foundation

/// The CPU as Linux describes it in `/proc/cpuinfo` (first processor): what the OpenBLAS core
/// choice and benchmark tables need.
public struct CPUDescription: Sendable, Equatable {
    public var vendor: String
    public var family: Int
    public var model: Int
    public var modelName: String
    public var flags: Set<String>

    public init(vendor: String, family: Int, model: Int, modelName: String, flags: Set<String>) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.modelName = modelName
        self.flags = flags
    }

    /// Parses the text of `/proc/cpuinfo` (the first processor's block).
    public init(cpuinfo text: String) {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty, !fields.isEmpty { break }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, fields[parts[0]] == nil { fields[parts[0]] = parts[1] }
        }
        vendor = fields["vendor_id"] ?? "unknown"
        family = Int(fields["cpu family"] ?? "") ?? 0
        model = Int(fields["model"] ?? "") ?? 0
        modelName = fields["model name"] ?? "unknown"
        flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
    }

    /// This machine's CPU (an empty description when `/proc/cpuinfo` cannot be read).
    public static let current: CPUDescription = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return CPUDescription(cpuinfo: text)
    }()

    /// AVX-512 F, BW, DQ and VL (Linux lists them only when it saves the AVX-512 state).
    public var hasAVX512: Bool { ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) }
    public var hasAVX2FMA: Bool { flags.contains("avx2") && flags.contains("fma") }

    /// One line for `deblur info` and benchmark tables.
    public var summary: String {
        let extras = [("AVX2", flags.contains("avx2")), ("FMA", flags.contains("fma")), ("AVX-512", hasAVX512),
                      ("VNNI", flags.contains("avx512_vnni")), ("BF16", flags.contains("avx512_bf16")), ("AMX", flags.contains("amx_tile"))]
            .filter(\.1).map(\.0)
        return "\(modelName) (\(vendor), family \(family) model \(model); \(extras.isEmpty ? "no AVX2" : extras.joined(separator: ", ")))"
    }
}

/// Which OpenBLAS kernel family the tool runs, so that no run uses OpenBLAS's generic fallback on a
/// CPU it does not recognise. Debian's OpenBLAS 0.3.21 picks `Cooperlake` on AMD EPYC Zen 4 but
/// `Prescott` (SSE3, ~4× slower sgemm) on the Intel Xeon family 6 model 207 of the same machine kind;
/// `OPENBLAS_CORETYPE`, read when the library loads, overrides its choice.
///
/// Rule (`decide`): a user's own `OPENBLAS_CORETYPE` always wins. Otherwise the core OpenBLAS chose is
/// kept when its instruction-set level (SSE3 < AVX < AVX2 < AVX-512) is at least what the CPU offers;
/// if it is lower, the best core for the CPU's features is chosen: `Cooperlake` for AVX-512 with BF16,
/// `SkylakeX` for AVX-512, `Haswell` for AVX2 + FMA, `Sandybridge` for AVX. The tool then re-executes
/// itself once with `OPENBLAS_CORETYPE` set (`deblur`'s start-up) and checks a small sgemm against
/// the naive product before trusting it (`selfCheck`); on a mismatch it runs with OpenBLAS's own
/// choice and says so.
public enum BLASCoreChoice {
    /// The instruction-set level a kernel family needs.
    public enum Level: Int, Comparable, Sendable {
        case generic = 0, avx, avx2, avx512
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// The level of an OpenBLAS core name (case-insensitive); unknown names count as generic.
    public static func level(ofCore name: String) -> Level {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return .avx512
        case "haswell", "zen", "skylake", "zen2", "zen3", "zen4": return .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return .avx
        default: return .generic
        }
    }

    /// The best core this OpenBLAS (0.3.21) has for a CPU, with its level (nil below AVX).
    public static func bestCore(for cpu: CPUDescription) -> (name: String, level: Level)? {
        if cpu.hasAVX512 { return cpu.flags.contains("avx512_bf16") ? ("Cooperlake", .avx512) : ("SkylakeX", .avx512) }
        if cpu.hasAVX2FMA { return ("Haswell", .avx2) }
        if cpu.flags.contains("avx") { return ("Sandybridge", .avx) }
        return nil
    }

    public enum Decision: Equatable, Sendable {
        /// Run with what OpenBLAS chose (or the user set); the reason for `deblur info`.
        case keep(reason: String)
        /// Set `OPENBLAS_CORETYPE` to `core` and start again.
        case switchTo(core: String, reason: String)
    }

    /// - Parameters:
    ///   - current: `openblas_get_corename()` of the loaded library.
    ///   - cpu: the CPU's features.
    ///   - userSetting: `OPENBLAS_CORETYPE` as the user set it (nil when unset).
    public static func decide(current: String, cpu: CPUDescription, userSetting: String?) -> Decision {
        if let user = userSetting, !user.isEmpty {
            return .keep(reason: "OPENBLAS_CORETYPE=\(user) is set in the environment (yours wins)")
        }
        guard let best = bestCore(for: cpu) else {
            return .keep(reason: "chosen by OpenBLAS; the CPU has no AVX, so nothing faster applies")
        }
        let have = level(ofCore: current)
        if have >= best.level { return .keep(reason: "chosen by OpenBLAS for this CPU") }
        return .switchTo(core: best.name, reason: "OpenBLAS chose its generic \(current) kernels on a CPU with "
            + "\(best.level == .avx512 ? "AVX-512" : best.level == .avx2 ? "AVX2/FMA" : "AVX"); deblur set OPENBLAS_CORETYPE=\(best.name)")
    }

    /// Largest relative error of OpenBLAS's sgemm against the naive triple loop (Double accumulation)
    /// on odd sizes (37×29 · 29×41, and the transposed forms), scaled by the sum of absolute products.
    /// A working kernel gives ~1e-7; a wrong one (older OpenBLAS on a CPU it does not know) gives O(1).
    /// - Parameter product: the product under test, `(transposeA, transposeB, A stored, B stored) → C`
    ///   (row-major, as `sgemm`); nil = OpenBLAS's `sgemm` (tests pass a broken one to see it caught).
    public static func selfCheck(product: ((_ ta: Bool, _ tb: Bool, _ a: [Float], _ b: [Float]) -> [Float])? = nil) -> Double {
        let m = 37, k = 29, n = 41
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        let a = (0 ..< m * k).map { _ in next() }, b = (0 ..< k * n).map { _ in next() }
        var worst = 0.0
        for (ta, tb) in [(false, false), (true, false), (false, true)] {
            // Stored as op⁻¹: A is k × m when transposed, B is n × k when transposed.
            let aStore = ta ? transpose(a, rows: m, columns: k) : a
            let bStore = tb ? transpose(b, rows: k, columns: n) : b
            var c = [Float](repeating: 0, count: m * n)
            if let product {
                c = product(ta, tb, aStore, bStore)
            } else {
                sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: aStore, lda: ta ? m : k, b: bStore, ldb: tb ? k : n,
                      c: &c, ldc: n)
            }
            guard c.count == m * n else { return .infinity }
            for i in 0 ..< m {
                for j in 0 ..< n {
                    var sum = 0.0, scale = 0.0
                    for p in 0 ..< k {
                        let prod = Double(a[i * k + p]) * Double(b[p * n + j])
                        sum += prod
                        scale += abs(prod)
                    }
                    let e = abs(Double(c[i * n + j]) - sum) / max(scale, 1e-30)
                    worst = e.isNaN ? .infinity : max(worst, e)
                }
            }
        }
        return worst
    }

    private static func transpose(_ x: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        for r in 0 ..< rows { for c in 0 ..< columns { out[c * rows + r] = x[r * columns + c] } }
        return out
    }
}
