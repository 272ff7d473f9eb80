"""Share posters (分享海报) for products and live previews: a PNG with a title, a few lines, an optional picture
and a QR code, drawn here with Pillow and segno (no outside service sees the link).

Chinese is drawn with the font the project vendors (static/fonts/wqy-microhei: WenQuanYi Micro Hei, Apache-2.0),
which covers every CJK Unified Ideograph of Unicode 5.1 (all GBK Hanzi), so product names never fall back to
empty boxes. ``missing_glyphs`` names the characters it cannot draw, for a caller that wants to warn.
"""

import io
from datetime import datetime
from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

FONT_PATH = Path(settings.BASE_DIR) / "static" / "fonts" / "wqy-microhei" / "wqy-microhei.ttc"
WIDTH, HEIGHT = 750, 1200  # a phone-screen share poster, 5:8
MARGIN = 48
GREEN = (7, 193, 96)  # WeChat's brand green
INK, GREY, WHITE = (25, 25, 25), (110, 110, 110), (255, 255, 255)


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size=size, index=0)


@cache
def _cmap() -> frozenset[int]:
    return frozenset(_font_codepoints())


def _font_codepoints() -> set[int]:
    """The code points the font maps to a glyph (its cmap), read from the TrueType collection's first face."""
    import struct

    data = FONT_PATH.read_bytes()
    offset = struct.unpack(">I", data[12:16])[0] if data[:4] == b"ttcf" else 0
    num_tables = struct.unpack(">H", data[offset + 4 : offset + 6])[0]
    cmap_at = None
    for i in range(num_tables):
        rec = offset + 12 + 16 * i
        if data[rec : rec + 4] == b"cmap":
            cmap_at = struct.unpack(">I", data[rec + 8 : rec + 12])[0]
    if cmap_at is None:
        return set()
    count = struct.unpack(">H", data[cmap_at + 2 : cmap_at + 4])[0]
    points: set[int] = set()
    for i in range(count):
        platform, encoding, sub = struct.unpack(">HHI", data[cmap_at + 4 + 8 * i : cmap_at + 12 + 8 * i])
        table = cmap_at + sub
        fmt = struct.unpack(">H", data[table : table + 2])[0]
        if platform == 3 and encoding in (1, 10) and fmt == 4:
            segs = struct.unpack(">H", data[table + 6 : table + 8])[0] // 2
            ends = struct.unpack(f">{segs}H", data[table + 14 : table + 14 + 2 * segs])
            starts_at = table + 16 + 2 * segs
            starts = struct.unpack(f">{segs}H", data[starts_at : starts_at + 2 * segs])
            deltas = struct.unpack(f">{segs}h", data[starts_at + 2 * segs : starts_at + 4 * segs])
            ranges_at = starts_at + 4 * segs
            ranges = struct.unpack(f">{segs}H", data[ranges_at : ranges_at + 2 * segs])
            for k in range(segs):
                for c in range(starts[k], ends[k] + 1):
                    if c == 0xFFFF:
                        continue
                    if ranges[k] == 0:
                        glyph = (c + deltas[k]) & 0xFFFF
                    else:
                        at = ranges_at + 2 * k + ranges[k] + 2 * (c - starts[k])
                        glyph = struct.unpack(">H", data[at : at + 2])[0]
                        glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
                    if glyph:
                        points.add(c)
    return points


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` the poster font has no glyph for (spaces and line breaks aside), in order."""
    have = _cmap()
    seen: list[str] = []
    for ch in text:
        if not ch.isspace() and ord(ch) not in have and ch not in seen:
            seen.append(ch)
    return "".join(seen)


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width``: anywhere for Chinese, which has no spaces; the last line
    ends in "…" when the text is longer than ``max_lines``."""
    lines, current = [], ""
    for ch in text.replace("\n", " "):
        if draw.textlength(current + ch, font=face) <= width:
            current += ch
            continue
        lines.append(current)
        current = ch.lstrip()
        if len(lines) == max_lines:
            break
    else:
        if current:
            lines.append(current)
        return lines
    last = lines[-1]
    while last and draw.textlength(last + "…", font=face) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def _qr(url: str, size: int) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=2)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB").resize((size, size), Image.NEAREST)


def render_poster(*, title: str, lines: list[str], qr_url: str, image: bytes | None = None, footer: str = "") -> bytes:
    """A share poster as PNG bytes (750 × 1200): ``title`` in bold type on a green band, ``image`` (any format
    Pillow reads; cropped to fill) under it, then ``lines`` and a QR code that opens ``qr_url``, and ``footer``
    (e.g. "长按识别二维码") beside the code. Long texts wrap and end in "…" rather than overflow."""
    poster = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(poster)
    inner = WIDTH - 2 * MARGIN
    title_face = font(44)
    title_lines = _wrap(draw, title, title_face, inner, 2)
    band = MARGIN + 62 * len(title_lines) + 24
    draw.rectangle((0, 0, WIDTH, band), fill=GREEN)
    y = MARGIN
    for text in title_lines:
        draw.text((MARGIN, y), text, font=title_face, fill=WHITE, stroke_width=1, stroke_fill=WHITE)
        y += 62
    y = band + 32
    qr_size = 240
    bottom = HEIGHT - MARGIN - qr_size - 32
    if image:
        picture = Image.open(io.BytesIO(image)).convert("RGB")
        box_h = min(inner, bottom - y - 40 - 48 * min(len(lines), 4))
        if box_h > 120:
            scale = max(inner / picture.width, box_h / picture.height)
            picture = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))))
            left, top = (picture.width - inner) // 2, (picture.height - box_h) // 2
            poster.paste(picture.crop((left, top, left + inner, top + box_h)), (MARGIN, y))
            y += box_h + 32
    body = font(32)
    for text in lines:
        for wrapped in _wrap(draw, text, body, inner, 2):
            if y + 44 > bottom:
                break
            draw.text((MARGIN, y), wrapped, font=body, fill=INK)
            y += 46
    draw.line((MARGIN, bottom + 8, WIDTH - MARGIN, bottom + 8), fill=(230, 230, 230), width=2)
    qr_top = HEIGHT - MARGIN - qr_size
    poster.paste(_qr(qr_url, qr_size), (WIDTH - MARGIN - qr_size, qr_top))
    if footer:
        small = font(28)
        fy = qr_top + qr_size // 2 - 40
        for wrapped in _wrap(draw, footer, small, inner - qr_size - 32, 3):
            draw.text((MARGIN, fy), wrapped, font=small, fill=GREY)
            fy += 40
    out = io.BytesIO()
    poster.save(out, format="PNG", optimize=True)
    return out.getvalue()


def product_poster(*, title: str, price_fen: int | None, qr_url: str, image: bytes | None = None) -> bytes:
    """A product's share poster: its title, its price from (when known) and the product link's QR code."""
    from shopops.money import format_yuan

    lines = [f"到手价 {format_yuan(price_fen)} 起"] if price_fen else []
    return render_poster(title=title, lines=lines, qr_url=qr_url, image=image, footer="长按识别二维码，进店购买")


def png_response(png: bytes, *, filename: str, download: bool = False) -> HttpResponse:
    """A poster as the browser gets it: shown in the page, or saved as ``filename`` when ``download``."""
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def preview_poster(*, title: str, start_time: datetime, qr_url: str) -> bytes:
    """A live preview's (直播预告) share poster: topic, start time in the shop's time zone, and the QR code of the
    preview's link (the page that lets a viewer reserve). The live-preview pages call this, and serve it with
    ``png_response(png, filename=f"preview-{notice_id}.png", download=…)``."""
    local = timezone.localtime(start_time) if timezone.is_aware(start_time) else start_time
    weekday = "一二三四五六日"[local.weekday()]
    lines = ["直播预告", f"{local.month}月{local.day}日（周{weekday}）{local:%H:%M} 开播"]
    return render_poster(title=title, lines=lines, qr_url=qr_url, footer="长按识别二维码，预约直播")
