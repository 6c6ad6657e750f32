"""QR codes as inline SVG (segno: pure Python)."""

import segno


def qr_svg(text: str) -> str:
    """`text` as a QR code, an `<svg>` element to put in a page (medium error correction, a quiet zone of 4)."""
    return str(segno.make(text, error="m", micro=False).svg_inline(scale=8, border=4, title="QR"))
