# SPDX-License-Identifier: GPL-2.0-or-later
"""Screenshots of an X display as PNG, with xwd (x11-apps) and the standard library:
xwd writes the X server's own dump format, which is turned into PNG here."""
import struct
import subprocess
import zlib

_XWD_HEADER = struct.Struct(">25I")  # the 25 CARD32 fields of an XWD file header
_ZPIXMAP = 2


def _png(width, height, rgb_rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + row for row in rgb_rows)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def xwd_to_png(xwd):
    """PNG bytes of a TrueColor ZPixmap dump with 24 or 32 bits per pixel (what Xvfb
    -screen WxHx24 gives)."""
    fields = _XWD_HEADER.unpack_from(xwd)
    (header_size, _version, pixmap_format, _depth, width, height, _xoffset, byte_order, _unit,
     _bit_order, _pad, bits_per_pixel, bytes_per_line, _visual, red_mask, green_mask, blue_mask,
     _bits_per_rgb, _colormap_entries, ncolors, *_rest) = fields
    if pixmap_format != _ZPIXMAP or bits_per_pixel not in (24, 32):
        raise ValueError(f"unsupported XWD: format {pixmap_format}, {bits_per_pixel} bits per pixel")
    start = header_size + 12 * ncolors  # pixels follow the header and the colour map
    pixel_bytes = bits_per_pixel // 8
    order = "little" if byte_order == 0 else "big"
    shifts = [(mask & -mask).bit_length() - 1 for mask in (red_mask, green_mask, blue_mask)]
    rows = []
    for y in range(height):
        line = xwd[start + y * bytes_per_line: start + y * bytes_per_line + pixel_bytes * width]
        pixels = (int.from_bytes(line[x:x + pixel_bytes], order) for x in range(0, len(line), pixel_bytes))
        rows.append(bytes(((p >> s) & 0xFF) for p in pixels for s in shifts))
    return _png(width, height, rows)


def capture(display, png_path, window="root"):
    """Saves the whole screen (or one window id) of `display` as a PNG file."""
    args = ["xwd", "-display", display, "-silent"]
    args += ["-root"] if window == "root" else ["-id", str(window)]
    xwd = subprocess.run(args, stdout=subprocess.PIPE, check=True, timeout=30).stdout
    with open(png_path, "wb") as out:
        out.write(xwd_to_png(xwd))
