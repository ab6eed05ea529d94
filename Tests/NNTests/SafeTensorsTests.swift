import Foundation
import Testing
@testable import Tensors

@Suite("safetensors")
struct SafeTensorsTests {
    @Test("round trip F32 keeps values, shapes and metadata bit for bit; F16 rounds as Float16")
    func roundTrip() throws {
        let a = Ref.random([2, 3, 4, 5], seed: 21), b = Tensor(shape: [3], scalars: [1, -0.1, 1e-3])
        let file = SafeTensorsFile(tensors: ["enc.0.weight": a, "bias": b],
                                   metadata: ["architecture": "autoencoder", "seed": "7"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nn-roundtrip-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        let back = try SafeTensorsFile(contentsOf: url)
        #expect(back.names == ["bias", "enc.0.weight"])
        #expect(try back.tensor(named: "enc.0.weight") == a)
        #expect(try back.tensor(named: "bias") == b)
        #expect(back.metadata == ["architecture": "autoencoder", "seed": "7"])
        #expect(back.storedDTypes["bias"] == .f32)

        let half = try SafeTensorsFile(data: try file.encoded(as: .f16))
        #expect(half.storedDTypes["bias"] == .f16)
        #expect(try half.tensor(named: "bias").scalars == [1, Float(Float16(-0.1)), Float(Float16(1e-3))])
        #expect(try half.tensor(named: "enc.0.weight").maxAbsDifference(a) <= 1.0 / 2048)
    }

    @Test("BF16 encoding rounds to nearest, ties to even, as a naive twin choosing between the two neighbours")
    func bfloat16Rounding() throws {
        // The naive twin: the BF16 values just below and above |v| (truncation and one step up),
        // compared in Double; on a tie the one with an even last bit.
        func naive(_ v: Float) -> UInt16 {
            if v.isNaN { return UInt16(truncatingIfNeeded: v.bitPattern >> 16) | 0x40 }
            let down = UInt16(truncatingIfNeeded: v.bitPattern >> 16), up = down &+ 1
            let x = Double(v), lo = Double(Float(bitPattern: UInt32(down) << 16))
            var hi = Double(Float(bitPattern: UInt32(up) << 16))
            if v.isInfinite { return down }
            if !hi.isFinite { hi = x < 0 ? -0x1p128 : 0x1p128 }   // IEEE rounding treats the overflow threshold as 2¹²⁸
            let dl = abs(x - lo), dh = abs(hi - x)
            return dl < dh ? down : dh < dl ? up : (down & 1 == 0 ? down : up)
        }
        var rng = SystemRandomNumberGenerator()
        var values: [Float] = [0, -0, 1, -1, 1e-40, -1e-40, 3e38, .infinity, -.infinity, .greatestFiniteMagnitude,
                               .leastNonzeroMagnitude, 1.00390625, 1.01171875, 1.0078125 + 0.00390625]
        for _ in 0 ..< 20_000 { values.append(Float(bitPattern: UInt32.random(in: 0 ... 0x7F7F_FFFF, using: &rng) | (Bool.random(using: &rng) ? 0x8000_0000 : 0))) }
        // Exact ties: the low 16 bits 0x8000.
        for _ in 0 ..< 2_000 { values.append(Float(bitPattern: (UInt32.random(in: 0 ... 0x7F7E_FFFF, using: &rng) & 0xFFFF_0000) | 0x8000)) }
        for v in values { #expect(bfloat16Bits(v) == naive(v), "\(v) (bits \(String(v.bitPattern, radix: 16)))") }
        #expect(Float(bitPattern: UInt32(bfloat16Bits(.nan)) << 16).isNaN)
    }

    @Test("per-tensor dtypes: BF16 tensors round within half a step, keep tiny values, and overflow is a named error")
    func mixedDTypes() throws {
        let weights = Ref.random([3, 5, 7], seed: 4)
        let moments = Tensor(shape: [4], scalars: [1e-12, -3.3e-9, 0.123456, 2e30])
        let file = SafeTensorsFile(tensors: ["model.w": weights, "optimizer.v.0": moments])
        let data = try file.encoded { $0.hasPrefix("optimizer.") ? .bf16 : .f32 }
        #expect(data.count < (try file.encoded(as: .f32)).count)
        let back = try SafeTensorsFile(data: data)
        #expect(back.storedDTypes == ["model.w": .f32, "optimizer.v.0": .bf16])
        #expect(try back.tensor(named: "model.w") == weights)
        for (a, b) in zip(moments.scalars, try back.tensor(named: "optimizer.v.0").scalars) {
            #expect(a != 0 && abs(b - a) <= abs(a) / 256, "\(a) → \(b)")   // 8 significant bits: half a step ≤ 2⁻⁸ relative
        }
        // The Python fixture's BF16 tensor holds BF16 values: encoding them again gives its bytes exactly.
        let python = try Data(contentsOf: Ref.fixtures.appendingPathComponent("python_reference_bf16.safetensors"))
        let brain = try SafeTensorsFile(data: python).tensor(named: "brain")
        let ours = try SafeTensorsFile(data: try SafeTensorsFile(tensors: ["brain": brain]).encoded(as: .bf16))
        #expect(try ours.tensor(named: "brain") == brain)
        #expect(python.suffix(2 * brain.count) == (try SafeTensorsFile(tensors: ["brain": brain]).encoded(as: .bf16)).suffix(2 * brain.count))
        let huge = SafeTensorsFile(tensors: ["x": Tensor(shape: [1], scalars: [.greatestFiniteMagnitude])])
        #expect(throws: TensorsError.self) { try huge.encoded(as: .bf16) }
    }

    @Test("a file written by Python's safetensors loads with identical values")
    func pythonFixture() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Ref.fixtures.appendingPathComponent("python_reference.json"))) as! [String: Any]
        let values = json["values"] as! [String: [Double]], shapes = json["shapes"] as! [String: [Int]]
        let file = try SafeTensorsFile(contentsOf: Ref.fixtures.appendingPathComponent("python_reference.safetensors"))
        let bf16 = try SafeTensorsFile(contentsOf: Ref.fixtures.appendingPathComponent("python_reference_bf16.safetensors"))
        #expect(file.metadata == json["metadata"] as! [String: String])
        #expect(file.storedDTypes == ["conv.weight": .f32, "conv.bias": .f32, "half": .f16, "scalar": .f32, "empty": .f32])
        #expect(bf16.storedDTypes == ["brain": .bf16])
        for (name, expected) in values {
            let t = try (name == "brain" ? bf16 : file).tensor(named: name)
            #expect(t.shape == shapes[name], "\(name)")
            #expect(t.scalars == expected.map { Float($0) }, "\(name)")
        }
        #expect(try file.tensor(named: "half")[2] == 65504)  // F16 max
        #expect(try file.tensor(named: "half")[3] == 0x1p-24)  // smallest F16 subnormal
    }

    @Test("truncated, corrupt and mismatched files raise named errors")
    func badFiles() throws {
        let good = try SafeTensorsFile(tensors: ["w": Ref.random([4, 4], seed: 1)]).encoded()
        #expect(throws: TensorsError.truncatedHeader(path: "<memory>", fileSize: 5, needed: 8)) {
            try SafeTensorsFile(data: good.prefix(5))
        }
        let headerEnd = 8 + Int(good[0])
        #expect(throws: TensorsError.truncatedHeader(path: "<memory>", fileSize: 20, needed: headerEnd)) {
            try SafeTensorsFile(data: good.prefix(20))
        }
        #expect(throws: TensorsError.truncatedData(path: "<memory>", tensor: "w", end: 64, available: 60)) {
            try SafeTensorsFile(data: good.prefix(good.count - 4))
        }
        var corrupt = good
        corrupt[9] = UInt8(ascii: "#")
        #expect(throws: TensorsError.invalidHeader(path: "<memory>", reason: "not valid JSON")) {
            try SafeTensorsFile(data: corrupt)
        }
        let url = Ref.fixtures.appendingPathComponent("python_reference.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(throws: TensorsError.self) { try file.tensor(named: "conv.weight", shape: [2, 3, 5, 5]) }
        do {
            _ = try file.tensor(named: "decoder.weight")
            Issue.record("missing tensor did not throw")
        } catch let error as TensorsError {
            #expect(error == .missingTensor(path: url.path, name: "decoder.weight", available: file.names))
            #expect(error.localizedDescription.contains("conv.weight"))
        }
        #expect(throws: TensorsError.self) { try SafeTensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors")) }
        let huge = SafeTensorsFile(tensors: ["big": Tensor(shape: [1], scalars: [1e6])])
        #expect(throws: TensorsError.notRepresentable(tensor: "big", value: 1e6, dtype: "F16")) { try huge.encoded(as: .f16) }
    }
}
