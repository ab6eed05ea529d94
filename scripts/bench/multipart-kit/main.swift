import Foundation
import MultipartKit
import NIOCore

func body(_ fileBytes: [UInt8], boundary: String) -> [UInt8] {
    var b = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"methods\"\r\n\r\nwiener,rl\r\n".utf8)
    b += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
    b += fileBytes
    b += Array("\r\n--\(boundary)--\r\n".utf8)
    return b
}
var rng = SystemRandomNumberGenerator()
let n = 20 << 20
var file = [UInt8](repeating: 0, count: n)
for i in 0..<n { file[i] = UInt8.random(in: 0...255, using: &rng) }
let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
let bytes = body(file, boundary: boundary)
let data = Data(bytes)

func time(_ label: String, _ f: () throws -> Int) rethrows {
    var best = Double.infinity
    var r = 0
    for _ in 0..<5 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        r = try f()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    print(label, String(format: "%.4f s  (%.0f MB/s)", best, Double(bytes.count) / best / 1e6), "result", r)
}
try time("ours        ") { try OurParser.parse(data, boundary: boundary).reduce(0) { $0 + $1.body.count } }
try time("multipartkit") {
    let p = MultipartParser(boundary: boundary)
    var total = 0
    var current = ByteBuffer()
    var parts: [ByteBuffer] = []
    p.onBody = { current.writeBuffer(&$0) }
    p.onPartComplete = { parts.append(current); current = ByteBuffer() }
    try p.execute(ByteBuffer(bytes: bytes))
    total = parts.reduce(0) { $0 + $1.readableBytes }
    return total
}
try time("mpkit+chunk ") {
    let p = MultipartParser(boundary: boundary)
    var current = ByteBuffer()
    var parts: [ByteBuffer] = []
    p.onBody = { current.writeBuffer(&$0) }
    p.onPartComplete = { parts.append(current); current = ByteBuffer() }
    var i = 0
    while i < bytes.count { let j = min(bytes.count, i + 65536); try p.execute(ByteBuffer(bytes: bytes[i..<j])); i = j }
    return parts.reduce(0) { $0 + $1.readableBytes }
}
// truncated bodies: does multipart-kit notice?
let cut = Array(bytes[0 ..< bytes.count / 2])
do { _ = try OurParser.parse(Data(cut), boundary: boundary); print("ours: truncated accepted") } catch { print("ours: truncated ->", error.localizedDescription) }
do {
    let p = MultipartParser(boundary: boundary)
    var completes = 0
    p.onPartComplete = { completes += 1 }
    try p.execute(ByteBuffer(bytes: cut)); print("multipartkit: truncated accepted without error, parts completed:", completes)
} catch { print("multipartkit: truncated ->", error) }
let bad = Array("--b\r\nthis is not a header\r\n\r\nx\r\n--b--\r\n".utf8)
do { let p = MultipartParser(boundary: "b"); try p.execute(bad); print("mpkit bad header accepted") } catch { print("multipartkit: bad header ->", error) }
