#!/usr/bin/env python3
"""PNG fixtures for Tests/ImageIOTests, written with an independent encoder (Python's zlib + struct,
not libpng), together with the exact sample values each file stores (expected.json).

Tool: CPython standard library only (zlib, struct, json). Command:
    python3 scripts/reference/make_png_fixtures.py Tests/ImageIOTests/Fixtures
"""
import json, struct, sys, zlib, platform

def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)

def png(width, height, depth, colour_type, rows, extra=()):
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 on every row
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + b"".join(extra) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body

def main(out):
    W, H = 5, 3
    expected = {"tool": f"CPython {platform.python_version()} zlib/struct (no libpng)",
                "command": "python3 scripts/reference/make_png_fixtures.py Tests/ImageIOTests/Fixtures",
                "files": {}}
    # gray + alpha, 8-bit: alpha 255 except one pixel at 128 -> composite over black expected
    ga, gray_vals, alpha_vals = [], [], []
    for y in range(H):
        row = b""
        for x in range(W):
            g = (40 * x + 70 * y) % 256
            a = 128 if (x, y) == (2, 1) else 255
            row += bytes([g, a]); gray_vals.append(g); alpha_vals.append(a)
        ga.append(row)
    open(f"{out}/gray_alpha_8.png", "wb").write(png(W, H, 8, 4, ga))
    expected["files"]["gray_alpha_8.png"] = {"channels": 1, "width": W, "height": H,
        "values": [g / 255 * a / 255 for g, a in zip(gray_vals, alpha_vals)]}
    # RGBA 8-bit, fully opaque -> alpha dropped, values exact
    rgba, planes = [], [[], [], []]
    for y in range(H):
        row = b""
        for x in range(W):
            r, g, b = (17 * x + 3) % 256, (29 * y + 100) % 256, (x * y * 31) % 256
            row += bytes([r, g, b, 255]); planes[0].append(r); planes[1].append(g); planes[2].append(b)
        rgba.append(row)
    open(f"{out}/rgba_opaque_8.png", "wb").write(png(W, H, 8, 6, rgba))
    expected["files"]["rgba_opaque_8.png"] = {"channels": 3, "width": W, "height": H,
        "values": [v / 255 for p in planes for v in p]}
    # palette, 8-bit indices into 4 colours
    palette = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)]
    idx = [[(x + y) % 4 for x in range(W)] for y in range(H)]
    plte = chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    open(f"{out}/palette_8.png", "wb").write(png(W, H, 8, 3, [bytes(r) for r in idx], extra=[plte]))
    expected["files"]["palette_8.png"] = {"channels": 3, "width": W, "height": H,
        "values": [palette[idx[y][x]][c] / 255 for c in range(3) for y in range(H) for x in range(W)]}
    # 16-bit gray with an sRGB-like gAMA chunk: stored values must come back unchanged
    g16, vals16 = [], []
    for y in range(H):
        row = b""
        for x in range(W):
            v = (x * 13107 + y * 4097) % 65536
            row += struct.pack(">H", v); vals16.append(v)
        g16.append(row)
    gama = chunk(b"gAMA", struct.pack(">I", 45455))
    open(f"{out}/gray_16_gama.png", "wb").write(png(W, H, 16, 0, g16, extra=[gama]))
    expected["files"]["gray_16_gama.png"] = {"channels": 1, "width": W, "height": H,
        "values": [v / 65535 for v in vals16]}
    # a header claiming 60000 x 60000 (valid CRC), no pixel data worth the name
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    open(f"{out}/bomb_60000.png", "wb").write(bomb)
    json.dump(expected, open(f"{out}/expected.json", "w"), indent=1)

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/ImageIOTests/Fixtures")
