import Foundation
import Tensors
import Testing

/// The OpenBLAS core choice (`BLASCoreChoice`): never the generic fallback on a CPU with AVX2 or
/// AVX-512, a user's `OPENBLAS_CORETYPE` always wins, and the sgemm self-check.
@Suite struct BLASCoreChoiceTests {
    static let avx512 = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
    static func cpu(_ flags: [String], vendor: String = "GenuineIntel", family: Int = 6, model: Int = 207) -> CPUDescription {
        CPUDescription(vendor: vendor, family: family, model: model, modelName: "test", flags: Set(flags))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let current: String, flags: [String], user: String?, expected: String?   // expected: core to switch to, nil = keep
        var testDescription: String { "\(current) on [\(flags.joined(separator: " "))]\(user.map { " with OPENBLAS_CORETYPE=\($0)" } ?? "") → \(expected ?? "keep")" }
    }

    static let cases: [Case] = [
        // Intel Xeon family 6 model 207 as Debian's OpenBLAS 0.3.21 sees it: Prescott on an AVX-512 + BF16 CPU.
        Case(current: "Prescott", flags: avx512 + ["avx512_bf16", "avx512_vnni", "amx_tile"], user: nil, expected: "Cooperlake"),
        Case(current: "Prescott", flags: avx512, user: nil, expected: "SkylakeX"),
        Case(current: "Nehalem", flags: ["avx", "avx2", "fma"], user: nil, expected: "Haswell"),
        Case(current: "Core2", flags: ["avx"], user: nil, expected: "Sandybridge"),
        Case(current: "Katmai", flags: ["sse2"], user: nil, expected: nil),                 // nothing better exists
        Case(current: "Cooperlake", flags: avx512 + ["avx512_bf16"], user: nil, expected: nil),   // AMD Zen 4 as seen
        Case(current: "Zen", flags: ["avx", "avx2", "fma"], user: nil, expected: nil),      // AMD Zen 1 as seen
        Case(current: "Haswell", flags: avx512, user: nil, expected: "SkylakeX"),           // AVX2 kernels on an AVX-512 CPU
        Case(current: "SkylakeX", flags: avx512 + ["avx512_bf16"], user: nil, expected: nil),    // same level: OpenBLAS's choice stands
        Case(current: "Prescott", flags: avx512, user: "Prescott", expected: nil),          // the user's setting wins
        Case(current: "Haswell", flags: avx512, user: "Haswell", expected: nil),
    ]

    @Test("the decision table", arguments: cases)
    func decision(_ c: Case) {
        let d = BLASCoreChoice.decide(current: c.current, cpu: Self.cpu(c.flags), userSetting: c.user)
        switch (d, c.expected) {
        case let (.switchTo(core, reason), expected?):
            #expect(core == expected)
            #expect(reason.contains(c.current) && reason.contains("OPENBLAS_CORETYPE=\(expected)"))
        case let (.keep(reason), nil):
            if let user = c.user { #expect(reason.contains("OPENBLAS_CORETYPE=\(user)")) }
        default:
            Issue.record("got \(d), expected \(c.expected ?? "keep")")
        }
    }

    @Test("/proc/cpuinfo parsing takes the first processor's vendor, family, model, name and flags")
    func cpuinfo() {
        let text = """
        processor\t: 0
        vendor_id\t: GenuineIntel
        cpu family\t: 6
        model\t\t: 207
        model name\t: Intel(R) Xeon(R) Platinum 8581C CPU @ 2.10GHz
        flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw avx512dq avx512vl avx512_bf16 amx_tile

        processor\t: 1
        vendor_id\t: OtherVendor
        """
        let cpu = CPUDescription(cpuinfo: text)
        #expect(cpu.vendor == "GenuineIntel" && cpu.family == 6 && cpu.model == 207)
        #expect(cpu.modelName == "Intel(R) Xeon(R) Platinum 8581C CPU @ 2.10GHz")
        #expect(cpu.hasAVX512 && cpu.hasAVX2FMA)
        #expect(cpu.summary.contains("AVX-512") && cpu.summary.contains("BF16") && cpu.summary.contains("AMX"))
        #expect(!CPUDescription(cpuinfo: "").hasAVX2FMA)
    }

    @Test("the sgemm self-check passes the loaded kernels (≤ 1e-5 on odd sizes, all transpositions) and catches broken ones")
    func selfCheck() {
        let error = BLASCoreChoice.selfCheck()
        #expect(error <= 1e-5, "relative error \(error) with OpenBLAS \(BLASKernels.coreName)")
        // A kernel that ignores the transpose flag, one that drops the last k term, and one returning NaN.
        func gemm(_ ta: Bool, _ tb: Bool, _ a: [Float], _ b: [Float], terms: Int = 29) -> [Float] {
            var c = [Float](repeating: 0, count: 37 * 41)
            sgemm(transposeA: ta, transposeB: tb, m: 37, n: 41, k: terms, a: a, lda: ta ? 37 : 29, b: b, ldb: tb ? 29 : 41, c: &c, ldc: 41)
            return c
        }
        #expect(BLASCoreChoice.selfCheck { _, _, a, b in gemm(false, false, a, b) } > 0.01)
        #expect(BLASCoreChoice.selfCheck { ta, tb, a, b in gemm(ta, tb, a, b, terms: 28) } > 1e-3)
        #expect(BLASCoreChoice.selfCheck { _, _, _, _ in [Float](repeating: .nan, count: 37 * 41) } == .infinity)
    }
}
