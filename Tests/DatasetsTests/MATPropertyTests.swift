import Foundation
import PropertyBased
import Testing
@testable import Datasets

/// Property tests of the MAT-file reader: random double matrices written as MATLAB 5 files by a
/// small writer here (independent of the reader), and damaged copies of the committed fixtures (each
/// run draws new cases from a seeded generator; a failure is shrunk and prints the `.fixedSeed(…)`
/// that replays it).
@Suite("MAT-file properties")
struct MATPropertyTests {
    /// A level-5 MAT file with one uncompressed real double matrix per entry (MATLAB's `save -v6`
    /// layout: 128-byte header, then miMATRIX elements of flags, dimensions, name and miDOUBLE data).
    static func matFile(_ arrays: [(name: String, rows: Int, columns: Int, values: [Double])]) -> [UInt8] {
        func u32(_ v: Int) -> [UInt8] { (0 ..< 4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func element(_ type: Int, _ payload: [UInt8]) -> [UInt8] {
            u32(type) + u32(payload.count) + payload + [UInt8](repeating: 0, count: (8 - payload.count % 8) % 8)
        }
        var text = Array("MATLAB 5.0 MAT-file, written by the Deblur Workbench tests".utf8)
        text += [UInt8](repeating: 0x20, count: 116 - text.count)
        var out = text + [UInt8](repeating: 0, count: 8) + [0x00, 0x01, 0x49, 0x4D]
        for a in arrays {
            var payload = element(6, u32(6) + u32(0))  // miUINT32 flags: mxDOUBLE_CLASS
            payload += element(5, u32(a.rows) + u32(a.columns))  // miINT32 dimensions
            payload += element(1, Array(a.name.utf8))  // miINT8 name
            payload += element(9, a.values.flatMap { v in (0 ..< 8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) } })
            out += element(14, payload)
        }
        return out
    }

    static let arrays = zip(Gen.int(in: 1 ... 6), Gen.int(in: 1 ... 6), Gen.double(in: -1e6 ... 1e6)).array(of: 1 ... 3)

    @Test("random double matrices read back with their names, dimensions and values")
    func roundTrip() async {
        await propertyCheck(count: 200, input: Self.arrays) { specs in
            let arrays = specs.enumerated().map { i, s in
                (name: "a\(i)", rows: s.0, columns: s.1, values: (0 ..< s.0 * s.1).map { s.2 + Double($0) * 0.25 })
            }
            let read = try parseMAT(Data(Self.matFile(arrays)), path: "random.mat")
            #expect(read.map(\.name) == arrays.map(\.name))
            #expect(read.map(\.dimensions) == arrays.map { [$0.rows, $0.columns] })
            #expect(read.map(\.values) == arrays.map(\.values))
            #expect(read.allSatisfy { $0.className == "double" && !$0.isComplex })
        }
    }

    @Test("cut or damaged fixtures (plain and compressed) load or are refused by name")
    func damagedFiles() async throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let files = try ["levin_plain.mat", "levin_compressed.mat"].map { [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))) }
        let damage = zip(Gen.double(in: 0 ..< 1), Gen.uint8()).array(of: 0 ... 3)
        await propertyCheck(count: 300, input: Gen.int(in: 0 ... 1), Gen.double(in: 0 ... 1), damage) { which, keep, changes in
            var bytes = Array(files[which][..<Int(keep * Double(files[which].count))])
            for (position, value) in changes where !bytes.isEmpty { bytes[Int(position * Double(bytes.count))] = value }
            do {
                let arrays = try parseMAT(Data(bytes), path: "damaged.mat")
                for a in arrays { #expect(a.values.count == a.dimensions.reduce(1, *) * (a.isComplex ? 2 : 1) || a.values.count == a.dimensions.reduce(1, *)) }
            } catch let error as BenchmarkDataError {
                #expect(error.localizedDescription.contains("damaged.mat"), "\(error.localizedDescription)")
            } catch {
                Issue.record("unexpected \(type(of: error)): \(error)")
            }
        }
    }
}
