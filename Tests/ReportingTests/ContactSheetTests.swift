import Testing
import ImageCore
@testable import Reporting

@Suite("Contact sheet")
struct ContactSheetTests {
    @Test("cells are scaled to the row height, centred in aligned columns, gray shown as RGB")
    func layout() throws {
        let wide = Image(channels: 3, height: 10, width: 20, value: 0.25)
        let gray = Image(channels: 1, height: 5, width: 5, value: 0.5)
        let sheet = try contactSheet(rows: [[wide, gray], [gray]], cellHeight: 10, gutter: 2, background: 1)
        // Columns: max(20, 10) and 10 wide; width = 2 + 20 + 2 + 10 + 2, height = 2 + 2 × (10 + 2).
        #expect(sheet.channels == 3 && sheet.width == 36 && sheet.height == 26)
        #expect(sheet[0, 2, 2] == 0.25 && sheet[2, 11, 21] == 0.25)
        #expect(sheet[1, 2, 24] == 0.5 && sheet[1, 11, 33] == 0.5)   // gray cell upscaled 2×, in column 2
        // Row 2, column 1: the 10-px gray cell is centred in the 20-px column (x = 2 + 5).
        #expect(sheet[0, 14, 6] == 1 && sheet[0, 14, 7] == 0.5 && sheet[0, 14, 16] == 0.5 && sheet[0, 14, 17] == 1)
        #expect(sheet[0, 0, 0] == 1 && sheet[0, 13, 30] == 1)
    }
}
