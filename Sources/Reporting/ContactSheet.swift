import ImageCore

/// Lays images out in a grid: one row per entry, columns aligned, each cell scaled (area
/// resampling, aspect kept) to `cellHeight` pixels and centred in its column, gray cells shown as
/// RGB, with `gutter` pixels of `background` between cells. Values are copied unchanged: callers
/// decide how to map out-of-range values before composing (nothing is clipped here).
///
/// - Parameters:
///   - rows: the cells of each row; rows may have different lengths.
///   - cellHeight: height of every cell in pixels.
///   - gutter: spacing between and around cells.
///   - background: gray level of the gutters and empty space.
/// - Returns: an RGB image.
public func contactSheet(rows: [[Image]], cellHeight: Int = 192, gutter: Int = 6,
                         background: Float = 1) throws -> Image {
    precondition(!rows.isEmpty && cellHeight > 0 && gutter >= 0, "contactSheet needs rows and a positive cell height")
    let scaled: [[Image]] = try rows.map { row in
        try row.map { cell in
            let w = max(1, Int((Double(cell.width) * Double(cellHeight) / Double(cell.height)).rounded()))
            let method: ResizeMethod = cell.height > cellHeight ? .area : .bilinear
            let resized = (w == cell.width && cellHeight == cell.height) ? cell : try cell.resized(width: w, height: cellHeight, method: method)
            return try resized.rgb()
        }
    }
    let columns = scaled.map(\.count).max() ?? 0
    var columnWidth = [Int](repeating: 0, count: columns)
    for row in scaled { for (i, cell) in row.enumerated() { columnWidth[i] = max(columnWidth[i], cell.width) } }
    let width = columnWidth.reduce(gutter) { $0 + $1 + gutter }
    let height = gutter + rows.count * (cellHeight + gutter)
    var sheet = Image(channels: 3, height: height, width: width, value: background)
    var y = gutter
    for row in scaled {
        var x = gutter
        for (i, cell) in row.enumerated() {
            sheet.paste(cell, x: x + (columnWidth[i] - cell.width) / 2, y: y)
            x += columnWidth[i] + gutter
        }
        y += cellHeight + gutter
    }
    return sheet
}

extension Image {
    /// Copies `other` (same channel count) into this image with its top-left corner at (`x`, `y`);
    /// parts that fall outside are dropped.
    public mutating func paste(_ other: Image, x: Int, y: Int) {
        precondition(other.channels == channels, "paste needs \(channels) channels, got \(other.channels)")
        for c in 0 ..< channels {
            for row in 0 ..< other.height where y + row >= 0 && y + row < height {
                for col in 0 ..< other.width where x + col >= 0 && x + col < width {
                    self[c, y + row, x + col] = other[c, row, col]
                }
            }
        }
    }
}
