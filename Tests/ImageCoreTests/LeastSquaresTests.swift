import Testing
@testable import ImageCore

@Suite("Small least-squares problems")
struct LeastSquaresTests {
    let xs = (0 ..< 13).map { Double($0) / 4 - 1 }

    @Test("an exact quadratic is recovered from its samples")
    func exactQuadratic() throws {
        let y = xs.map { 2 + 3 * $0 - $0 * $0 }
        let c = try #require(leastSquares(columns: [xs.map { _ in 1 }, xs, xs.map { $0 * $0 }], target: y))
        #expect(abs(c[0] - 2) < 1e-12 && abs(c[1] - 3) < 1e-12 && abs(c[2] + 1) < 1e-12)
    }

    @Test("a weighted constant fit is the weighted mean, and a weighted line fit matches its closed form")
    func weightedFits() throws {
        let y = xs.map { $0 * $0 * $0 + 0.5 }, w = xs.map { 1 + $0 * $0 }
        let mean = zip(w, y).map(*).reduce(0, +) / w.reduce(0, +)
        let c = try #require(leastSquares(columns: [xs.map { _ in 1 }], target: y, weights: w))
        #expect(abs(c[0] - mean) < 1e-12)
        // Weighted simple regression: slope = Σw(x−x̄)(y−ȳ) / Σw(x−x̄)², with weighted means.
        let sw = w.reduce(0, +)
        let xm = zip(w, xs).map(*).reduce(0, +) / sw, ym = mean
        var sxy = 0.0, sxx = 0.0
        for i in xs.indices { sxy += w[i] * (xs[i] - xm) * (y[i] - ym); sxx += w[i] * (xs[i] - xm) * (xs[i] - xm) }
        let line = try #require(leastSquares(columns: [xs.map { _ in 1 }, xs], target: y, weights: w))
        #expect(abs(line[1] - sxy / sxx) < 1e-12)
        #expect(abs(line[0] - (ym - line[1] * xm)) < 1e-12)
        // Unweighted, the same line differs (the weights matter).
        let plain = try #require(leastSquares(columns: [xs.map { _ in 1 }, xs], target: y))
        #expect(abs(plain[1] - line[1]) > 1e-3)
    }

    @Test("a repeated column makes the problem singular: nil, not a division by zero")
    func singular() {
        #expect(leastSquares(columns: [xs, xs], target: xs) == nil)
        #expect(solveLinearSystem([[0, 0, 1], [0, 0, 2]]) == nil)
    }

    @Test("the linear solver needs pivoting and gets it")
    func pivoting() throws {
        // The first pivot is 0: without row exchange this fails.
        let x = try #require(solveLinearSystem([[0, 1, 2], [1, 0, 3]]))
        #expect(x == [3, 2])
    }
}
