#!/usr/bin/env python3
"""Writes the small image fixtures of Tests/ImageIOTests/Fixtures/ and their expected decoded values.

PNG fixtures are written by a minimal PNG encoder below that uses only the Python standard library
(zlib + struct), independently of libpng, covering the PNG variants ImageIO must read:
gray+alpha, RGBA, palette with and without tRNS, 1-bit gray, 16-bit gray / RGB / RGBA, and an
Adam7-interlaced RGB image. Expected values follow ImageIO's documented convention:
v/255 (8-bit) or v/65535 (16-bit), alpha composited over black (v * a), palette -> RGB.

JPEG fixtures (gray, 4:2:0 RGB, progressive, CMYK) are written with Pillow, and Pillow's own decoded
samples are stored as the reference (an independent libjpeg-turbo build and wrapper). Pillow is needed
only to regenerate fixtures, never by the tests.

Usage (from the repository root):  python3 scripts/reference/make_imageio_fixtures.py
"""
import json
import os
import struct
import sys
import zlib

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ImageIOTests", "Fixtures")


def chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_bytes(width, height, bit_depth, color_type, rows, palette=None, trns=None, interlaced=False):
    """rows: list of raw scanlines (bytes, without filter byte), already packed at bit_depth."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlaced else 0)
    if interlaced:
        raw = rows  # caller passes the already-built filtered Adam7 stream
    else:
        raw = b"".join(b"\x00" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if palette is not None:
        out += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    if trns is not None:
        out += chunk(b"tRNS", bytes(trns))
    out += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    return out


def pack(samples, depth):
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    per_byte = 8 // depth
    out = bytearray()
    for i in range(0, len(samples), per_byte):
        group = samples[i:i + per_byte] + [0] * (per_byte - len(samples[i:i + per_byte]))
        b = 0
        for s in group:
            b = (b << depth) | s
        out.append(b)
    return bytes(out)


def planar(pixels, width, height, channels):
    """pixels[y][x] = tuple of channel floats -> planar list C x H x W."""
    return [pixels[y][x][c] for c in range(channels) for y in range(height) for x in range(width)]


fixtures = {}


def save(name, data, width, height, channels, values, tolerance, note):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    fixtures[name] = {"width": width, "height": height, "channels": channels,
                      "tolerance": tolerance, "note": note, "values": values}


def make_pngs():
    # Gray + alpha, 8-bit, 5x3: value and alpha vary independently.
    w, h = 5, 3
    px = [[((17 * x + 40 * y) % 256, [255, 0, 128, 64, 200][x]) for x in range(w)] for y in range(h)]
    rows = [bytes(v for p in r for v in p) for r in px]
    save("gray_alpha_8bit.png", png_bytes(w, h, 8, 4, rows), w, h, 1,
         planar([[(g / 255 * a / 255,) for g, a in r] for r in px], w, h, 1), 1e-6,
         "gray+alpha composited over black: g/255 * a/255")

    # RGBA, 8-bit, 4x3.
    w, h = 4, 3
    px = [[((60 * x + 3) % 256, (90 * y + 7) % 256, (31 * x * y + 11) % 256, [255, 128, 1, 0][x])
           for x in range(w)] for y in range(h)]
    rows = [bytes(v for p in r for v in p) for r in px]
    save("rgba_8bit.png", png_bytes(w, h, 8, 6, rows), w, h, 3,
         planar([[tuple(c / 255 * p[3] / 255 for c in p[:3]) for p in r] for r in px], w, h, 3), 1e-6,
         "RGBA composited over black: c/255 * a/255")

    # RGBA, 8-bit, fully opaque: the alpha channel is dropped, colours unchanged.
    w, h = 3, 2
    px = [[(10 * x + 100 * y, 255 - 20 * x, 7 * y, 255) for x in range(w)] for y in range(h)]
    rows = [bytes(v for p in r for v in p) for r in px]
    save("rgba_opaque_8bit.png", png_bytes(w, h, 8, 6, rows), w, h, 3,
         planar([[tuple(c / 255 for c in p[:3]) for p in r] for r in px], w, h, 3), 1e-6,
         "opaque RGBA: c/255")

    # Palette with tRNS, 4-bit indices, 5x2 (odd width exercises packing).
    palette = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (200, 100, 50), (255, 255, 255)]
    alphas = [255, 128, 0, 255]  # entries beyond the tRNS list are opaque
    w, h = 5, 2
    idx = [[(x + 2 * y) % 5 for x in range(w)] for y in range(h)]
    rows = [pack(r, 4) for r in idx]
    def pal_value(i):
        a = alphas[i] if i < len(alphas) else 255
        return tuple(c / 255 * a / 255 for c in palette[i])
    save("palette_trns_4bit.png", png_bytes(w, h, 4, 3, rows, palette=palette, trns=alphas), w, h, 3,
         planar([[pal_value(i) for i in r] for r in idx], w, h, 3), 1e-6,
         "palette (4-bit indices) with tRNS, composited over black")

    # Opaque palette, 8-bit indices, 3x3.
    palette = [(0, 0, 0), (12, 34, 56), (255, 128, 0), (1, 2, 3)]
    w, h = 3, 3
    idx = [[(x * y + x) % 4 for x in range(w)] for y in range(h)]
    rows = [bytes(r) for r in idx]
    save("palette_8bit.png", png_bytes(w, h, 8, 3, rows, palette=palette), w, h, 3,
         planar([[tuple(c / 255 for c in palette[i]) for i in r] for r in idx], w, h, 3), 1e-6,
         "opaque palette: c/255")

    # 1-bit gray, 9x2: expanded to 0 or 255.
    w, h = 9, 2
    bits = [[(x + y) % 2 if x < 7 else 1 for x in range(w)] for y in range(h)]
    rows = [pack(r, 1) for r in bits]
    save("gray_1bit.png", png_bytes(w, h, 1, 0, rows), w, h, 1,
         planar([[(float(b),) for b in r] for r in bits], w, h, 1), 0.0, "1-bit gray: 0 or 1, exact")

    # 16-bit gray, 5x4, no gAMA chunk: values must come back exactly (v/65535).
    w, h = 5, 4
    vals = [0, 1, 257, 65535, 12345, 54321, 32768, 65534, 2, 40000]
    px = [[vals[(x + 3 * y) % len(vals)] for x in range(w)] for y in range(h)]
    rows = [pack(r, 16) for r in px]
    save("gray_16bit.png", png_bytes(w, h, 16, 0, rows), w, h, 1,
         planar([[(v / 65535,) for v in r] for r in px], w, h, 1), 0.0,
         "16-bit gray: v/65535, exact (after rounding to float32)")

    # 16-bit RGB, 3x2.
    w, h = 3, 2
    px = [[((x * 21845 + y) % 65536, (65535 - 1000 * x - y), (7919 * (x + 1) * (y + 1)) % 65536)
           for x in range(w)] for y in range(h)]
    rows = [pack([v for p in r for v in p], 16) for r in px]
    save("rgb_16bit.png", png_bytes(w, h, 16, 2, rows), w, h, 3,
         planar([[tuple(c / 65535 for c in p) for p in r] for r in px], w, h, 3), 0.0,
         "16-bit RGB: v/65535, exact (after rounding to float32)")

    # 16-bit RGBA, 3x2: libpng premultiplies in linear 16-bit; tolerance one 16-bit step.
    w, h = 3, 2
    px = [[(50000 - 9000 * x, 3000 * y + 1, 65535, [65535, 32768, 0][x]) for x in range(w)] for y in range(h)]
    rows = [pack([v for p in r for v in p], 16) for r in px]
    save("rgba_16bit.png", png_bytes(w, h, 16, 6, rows), w, h, 3,
         planar([[tuple(c / 65535 * p[3] / 65535 for c in p[:3]) for p in r] for r in px], w, h, 3),
         1.01 / 65535, "16-bit RGBA composited over black, within one 16-bit step")

    # Adam7-interlaced 8-bit RGB, 7x5.
    w, h = 7, 5
    px = [[((37 * x + 11 * y) % 256, (5 * x * y) % 256, (250 - 13 * x - 29 * y) % 256) for x in range(w)]
          for y in range(h)]
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    stream = b""
    for x0, y0, dx, dy in passes:
        xs = list(range(x0, w, dx))
        for y in range(y0, h, dy):
            if xs:
                stream += b"\x00" + bytes(v for x in xs for v in px[y][x])
    save("rgb_adam7_8bit.png", png_bytes(w, h, 8, 2, stream, interlaced=True), w, h, 3,
         planar([[tuple(c / 255 for c in p) for p in r] for r in px], w, h, 3), 1e-6,
         "Adam7-interlaced RGB: c/255")


def make_jpegs():
    try:
        from PIL import Image, features
    except ImportError:
        print("Pillow not installed: JPEG fixtures left unchanged", file=sys.stderr)
        return
    version = f"Pillow {Image.__version__}, libjpeg-turbo {features.version('libjpeg_turbo')}"

    def save_jpeg(name, img, channels, note, **kwargs):
        path = os.path.join(OUT, name)
        img.save(path, "JPEG", **kwargs)
        decoded = Image.open(path)
        decoded.load()
        w, h = decoded.size
        if channels == 1:
            vals = [decoded.getpixel((x, y)) / 255 for y in range(h) for x in range(w)]
        else:
            rgb = decoded.convert("RGB")
            vals = [rgb.getpixel((x, y))[c] / 255 for c in range(3) for y in range(h) for x in range(w)]
        fixtures[name] = {"width": w, "height": h, "channels": channels, "tolerance": 1.01 / 255,
                          "note": f"{note}; reference = {version} decode, within one 8-bit step",
                          "values": vals}

    w, h = 13, 11
    gray = Image.new("L", (w, h))
    gray.putdata([(19 * x + 7 * y) % 256 for y in range(h) for x in range(w)])
    save_jpeg("gray.jpg", gray, 1, "grayscale JPEG, quality 90", quality=90)

    w, h = 17, 9
    rgb = Image.new("RGB", (w, h))
    rgb.putdata([(8 * x + 20, 12 * y + 30, 200 - 5 * x - 3 * y) for y in range(h) for x in range(w)])
    save_jpeg("rgb_420.jpg", rgb, 3, "RGB JPEG, quality 75, 4:2:0", quality=75, subsampling="4:2:0")
    save_jpeg("rgb_progressive.jpg", rgb, 3, "progressive RGB JPEG, quality 90, 4:4:4",
              quality=90, subsampling="4:4:4", progressive=True)

    cmyk = Image.new("CMYK", (8, 8), (10, 20, 30, 40))
    cmyk.save(os.path.join(OUT, "cmyk.jpg"), "JPEG", quality=90)  # must be refused, no values


def main():
    os.makedirs(OUT, exist_ok=True)
    make_pngs()
    make_jpegs()
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"generator": "scripts/reference/make_imageio_fixtures.py",
                   "python": sys.version.split()[0], "fixtures": fixtures}, f, indent=1)
    print(f"wrote {len(fixtures)} fixtures to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
