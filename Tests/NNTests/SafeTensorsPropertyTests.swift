import Foundation
import PropertyBased
import Testing
@testable import Tensors

/// Property tests of the safetensors reader and writer (each run draws new cases from a seeded
/// generator; a failure shrinks to the fewest, smallest tensors or the earliest damage and prints the
/// `.fixedSeed(…)` that replays it).
@Suite("safetensors properties")
struct SafeTensorsPropertyTests {
    /// Up to four tensors of rank 0–3, sides 1–5, with values from a seed (finite, F16-representable).
    static let tensors = zip(Gen.int(in: 1 ... 5).array(of: 0 ... 3), Gen.uint64()).array(of: 1 ... 4).map { specs -> [String: Tensor] in
        var out: [String: Tensor] = [:]
        for (i, (shape, seed)) in specs.enumerated() {
            var state = seed | 1
            let scalars = (0 ..< shape.reduce(1, *)).map { _ -> Float in
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                return Float(Int64(bitPattern: state % 20001) - 10000) / 997
            }
            out["layer\(i).w"] = Tensor(shape: shape, scalars: scalars)
        }
        return out
    }

    @Test("write then read: same names, shapes and F32 values bit for bit; F16 within its rounding")
    func roundTrip() async {
        await propertyCheck(count: 200, input: Self.tensors) { tensors in
            let file = SafeTensorsFile(tensors: tensors, metadata: ["k": "v \"quoted\""])
            let back = try SafeTensorsFile(data: try file.encoded(as: .f32))
            #expect(back.names == tensors.keys.sorted())
            #expect(back.metadata == ["k": "v \"quoted\""])
            for (name, t) in tensors { #expect(try back.tensor(named: name) == t) }
            let half = try SafeTensorsFile(data: try file.encoded(as: .f16))
            for (name, t) in tensors {
                let h = try half.tensor(named: name)
                #expect(h.shape == t.shape)
                #expect(zip(h.scalars, t.scalars).allSatisfy { $0 == Float(Float16($1)) })
            }
        }
    }

    @Test("a cut or damaged file loads consistently or is refused with a TensorsError naming it")
    func damagedFiles() async {
        let damage = zip(Gen.double(in: 0 ..< 1), Gen.uint8()).array(of: 0 ... 3)
        await propertyCheck(count: 300, input: Self.tensors, Gen.double(in: 0 ... 1), damage) { tensors, keep, changes in
            var bytes = [UInt8](try SafeTensorsFile(tensors: tensors).encoded(as: .f32))
            bytes = Array(bytes[..<Int(keep * Double(bytes.count))])
            for (position, value) in changes where !bytes.isEmpty { bytes[Int(position * Double(bytes.count))] = value }
            do {
                let back = try SafeTensorsFile(data: Data(bytes), source: "damaged.safetensors")
                for name in back.names {
                    let t = try back.tensor(named: name)
                    #expect(t.scalars.count == t.shape.reduce(1, *))
                }
            } catch let error as TensorsError {
                #expect(error.localizedDescription.contains("damaged.safetensors"), "\(error.localizedDescription)")
            } catch {
                Issue.record("unexpected \(type(of: error)): \(error)")
            }
        }
    }
}
