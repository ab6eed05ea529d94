/// A small, fast, seeded generator (xoshiro256**, seeded through SplitMix64), so every
/// random draw in the workbench is reproducible from one integer seed on every platform.
/// Swift's `SystemRandomNumberGenerator` is never used for results.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Double?

    public init(seed: UInt64) {
        var sm = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(&sm), splitMix(&sm), splitMix(&sm), splitMix(&sm))
    }

    /// A generator for a sub-task, derived deterministically from a seed and a stream number,
    /// so that parallel work gives the same numbers whatever the scheduling.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ 0x632B_E59B_D9B4_E019)
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in `range`.
    public mutating func uniform(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
    }

    /// Standard normal (Box–Muller, both values used).
    public mutating func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        var u1 = uniform()
        while u1 <= .leastNormalMagnitude { u1 = uniform() }
        let u2 = uniform()
        let r = (-2 * _log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = r * _sin(theta)
        return r * _cos(theta)
    }

    /// Poisson-distributed count with mean `lambda` (Knuth for small means, a rounded
    /// normal approximation above 64, where its error is far below 8-bit quantisation).
    public mutating func poisson(mean lambda: Double) -> Double {
        if lambda <= 0 { return 0 }
        if lambda > 64 { return max(0, (lambda + lambda.squareRoot() * normal()).rounded()) }
        let limit = _exp(-lambda)
        var k = 0.0, p = uniform()
        while p > limit { k += 1; p *= uniform() }
        return k
    }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func _log(_ x: Double) -> Double { Glibc.log(x) }
@usableFromInline func _exp(_ x: Double) -> Double { Glibc.exp(x) }
@usableFromInline func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@usableFromInline func _log(_ x: Double) -> Double { Darwin.log(x) }
@usableFromInline func _exp(_ x: Double) -> Double { Darwin.exp(x) }
@usableFromInline func _sin(_ x: Double) -> Double { Darwin.sin(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
