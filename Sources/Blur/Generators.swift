import Foundation
import ImageCore

extension PSF {
    /// Sampled, normalised Gaussian `exp(−(x² + y²) / 2σ²)` on a (2⌈3σ⌉+1)² grid
    /// (MATLAB `fspecial('gaussian', 2*ceil(3*sigma)+1, sigma)`).
    /// - Throws: `BlurError.invalidSpec` unless 0 < σ ≤ 50.
    public static func gaussian(sigma: Double) throws -> PSF {
        guard sigma > 0, sigma <= 50 else { throw BlurError.invalidSpec("gaussian:\(sigma)", reason: "sigma must be in (0, 50]") }
        let r = Int((3 * sigma).rounded(.up))
        var w = Image(channels: 1, height: 2 * r + 1, width: 2 * r + 1)
        for y in -r ... r {
            for x in -r ... r { w[0, y + r, x + r] = Float(exp(-Double(x * x + y * y) / (2 * sigma * sigma))) }
        }
        return try PSF(weights: w, kind: .gaussian(sigma: sigma))
    }

    /// Anti-aliased pillbox (defocus) of radius `r`: each weight is the area of the pixel square
    /// covered by the disk, exactly as MATLAB `fspecial('disk', r)` computes it, on a
    /// (2⌈r − 0.5⌉ + 1)² grid.
    /// - Throws: `BlurError.invalidSpec` unless 0 < r ≤ 100.
    public static func disk(radius rad: Double) throws -> PSF {
        guard rad > 0, rad <= 100 else { throw BlurError.invalidSpec("disk:\(rad)", reason: "radius must be in (0, 100]") }
        let crad = Int((rad - 0.5).rounded(.up))
        let n = 2 * crad + 1
        let r2 = rad * rad
        var g = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for row in 0 ..< n {
            for col in 0 ..< n {
                let x = Double(col - crad), y = Double(row - crad)
                let maxxy = max(abs(x), abs(y)), minxy = min(abs(x), abs(y))
                let m1 = r2 < (maxxy + 0.5) * (maxxy + 0.5) + (minxy - 0.5) * (minxy - 0.5)
                    ? minxy - 0.5 : sqrt(max(0, r2 - (maxxy + 0.5) * (maxxy + 0.5)))
                let m2 = r2 > (maxxy - 0.5) * (maxxy - 0.5) + (minxy + 0.5) * (minxy + 0.5)
                    ? minxy + 0.5 : sqrt(max(0, r2 - (maxxy - 0.5) * (maxxy - 0.5)))
                let crosses = (r2 < (maxxy + 0.5) * (maxxy + 0.5) + (minxy + 0.5) * (minxy + 0.5)
                               && r2 > (maxxy - 0.5) * (maxxy - 0.5) + (minxy - 0.5) * (minxy - 0.5))
                    || (minxy == 0 && maxxy - 0.5 < rad && maxxy + 0.5 >= rad)
                var s = 0.0
                if crosses {
                    let a2 = asin(min(1, m2 / rad)), a1 = asin(min(1, m1 / rad))
                    s = (r2 * (0.5 * (a2 - a1) + 0.25 * (sin(2 * a2) - sin(2 * a1))))
                        - (maxxy - 0.5) * (m2 - m1) + (m1 - minxy + 0.5)
                }
                if (maxxy + 0.5) * (maxxy + 0.5) + (minxy + 0.5) * (minxy + 0.5) < r2 { s += 1 }
                g[row][col] = s
            }
        }
        g[crad][crad] = min(Double.pi * r2, Double.pi / 2)
        if crad > 0 && rad > Double(crad) - 0.5 && r2 < (Double(crad) - 0.5) * (Double(crad) - 0.5) + 0.25 {
            let m1 = sqrt(r2 - (Double(crad) - 0.5) * (Double(crad) - 0.5))
            let m1n = m1 / rad
            let sg0 = 2 * (r2 * (0.5 * asin(m1n) + 0.25 * sin(2 * asin(m1n))) - m1 * (Double(crad) - 0.5))
            g[2 * crad][crad] = sg0; g[crad][2 * crad] = sg0; g[crad][0] = sg0; g[0][crad] = sg0
            g[2 * crad - 1][crad] -= sg0; g[crad][2 * crad - 1] -= sg0; g[crad][1] -= sg0; g[1][crad] -= sg0
        }
        g[crad][crad] = min(g[crad][crad], 1)
        let w = Image(channels: 1, height: n, width: n, pixels: g.flatMap { $0.map { Float($0) } })
        return try PSF(weights: w, kind: .disk(radius: rad))
    }

    /// Anti-aliased linear motion of `length` pixels at `angle` degrees counter-clockwise from
    /// the horizontal, as MATLAB `fspecial('motion', length, angle)`: each weight falls off
    /// linearly with the distance from the line segment (one pixel wide), the ends rounded.
    /// The kernel is as small as the line allows (`motion:9,0` is 1×9), odd on both sides.
    /// - Throws: `BlurError.invalidSpec` unless 1 ≤ length ≤ 201.
    public static func motion(length: Double, angle: Double) throws -> PSF {
        guard length >= 1, length <= 201, angle.isFinite else {
            throw BlurError.invalidSpec("motion:\(length),\(angle)", reason: "length must be in [1, 201] and the angle finite")
        }
        let eps = Double.ulpOfOne
        let len = length
        let half = (len - 1) / 2
        var theta = angle.truncatingRemainder(dividingBy: 180)
        if theta < 0 { theta += 180 }
        let phi = theta / 180 * Double.pi
        let cosphi = cos(phi), sinphi = sin(phi)
        let xsign: Double = cosphi > 0 ? 1 : (cosphi < 0 ? -1 : 0)
        let linewdt = 1.0
        let sx = Int((half * cosphi + linewdt * xsign - len * eps).rounded(.towardZero))
        let sy = Int((half * sinphi + linewdt - len * eps).rounded(.towardZero))
        // meshgrid(0:xsign:sx, 0:sy)
        let xs: [Double] = xsign == 0 ? [0] : Array(stride(from: 0, through: Double(sx), by: xsign))
        let ny = sy + 1, nx = xs.count
        var d = [[Double]](repeating: [Double](repeating: 0, count: nx), count: ny)
        for iy in 0 ..< ny {
            for ix in 0 ..< nx {
                let x = xs[ix], y = Double(iy)
                var dist = y * cosphi - x * sinphi
                let rad = sqrt(x * x + y * y)
                if rad >= half && abs(dist) <= linewdt {
                    let x2last = half - abs((x + dist * sinphi) / cosphi)
                    dist = sqrt(dist * dist + x2last * x2last)
                }
                d[iy][ix] = max(0, linewdt + eps - abs(dist))
            }
        }
        // h = rot90(d, 2), then d placed with its corner on h's last element.
        let hh = 2 * ny - 1, hw = 2 * nx - 1
        var h = [[Double]](repeating: [Double](repeating: 0, count: hw), count: hh)
        for iy in 0 ..< ny { for ix in 0 ..< nx { h[ny - 1 - iy][nx - 1 - ix] = d[iy][ix] } }
        for iy in 0 ..< ny { for ix in 0 ..< nx { h[ny - 1 + iy][nx - 1 + ix] = d[iy][ix] } }
        if cosphi > 0 { h.reverse() }
        let w = Image(channels: 1, height: hh, width: hw, pixels: h.flatMap { $0.map { Float($0) } })
        return try PSF(weights: w, kind: .motion(length: length, angle: angle))
    }
}
