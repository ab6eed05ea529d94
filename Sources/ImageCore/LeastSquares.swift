/// Small dense least-squares problems (a handful of unknowns): the parametric PSF fits and the
/// autoencoder's identity start share these.

/// Weighted least squares `min Σᵢ wᵢ (Σₐ cₐ·columns[a][i] − yᵢ)²` for a small design matrix given by
/// its columns (normal equations, solved by `solveLinearSystem`). Returns nil when singular.
/// Every column and `weights`, when given, must be as long as `y`.
public func leastSquares(columns: [[Double]], target y: [Double], weights: [Double]? = nil) -> [Double]? {
    let p = columns.count
    precondition(columns.allSatisfy { $0.count == y.count } && (weights?.count ?? y.count) == y.count,
                 "leastSquares: every column and the weights must be as long as the target")
    var m = [[Double]](repeating: [Double](repeating: 0, count: p + 1), count: p)
    for i in 0 ..< y.count {
        let w = weights?[i] ?? 1
        for a in 0 ..< p {
            for b in 0 ..< p { m[a][b] += w * columns[a][i] * columns[b][i] }
            m[a][p] += w * columns[a][i] * y[i]
        }
    }
    return solveLinearSystem(m)
}

/// Solves the p × p system held as an augmented p × (p + 1) matrix (Gauss–Jordan elimination
/// with partial pivoting). Returns nil when singular.
public func solveLinearSystem(_ augmented: [[Double]]) -> [Double]? {
    var m = augmented
    let p = m.count
    for col in 0 ..< p {
        var pivot = col
        for r in col + 1 ..< p where abs(m[r][col]) > abs(m[pivot][col]) { pivot = r }
        guard abs(m[pivot][col]) > 1e-300 else { return nil }
        m.swapAt(col, pivot)
        for r in 0 ..< p where r != col {
            let f = m[r][col] / m[col][col]
            for c in col ... p { m[r][c] -= f * m[col][c] }
        }
    }
    return (0 ..< p).map { m[$0][p] / m[$0][$0] }
}
