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
