"""Share posters: Chinese is drawn with real glyphs (never the font's .notdef box), the QR code holds the link,
and the product poster page serves the PNG."""

import io

import pytest
import segno
from PIL import Image

from campaigns import posters
from sandbox.generator import ADJECTIVES, CATEGORIES
from tests.factories import ProductFactory
from tests.helpers import console_url

KNOWN = "福袋粉丝团点赞买直播预告加厚针织开衫五常大米得宝抽纸维达长按识别二维码"
NOT_IN_FONT = "\ue000"  # a private-use code point: no font maps it, so it draws the .notdef glyph


def bitmap(ch: str, size: int = 48) -> tuple:
    mask = posters.font(size).getmask(ch)
    return mask.size, bytes(mask)


def test_every_character_of_a_known_string_draws_its_own_glyph_not_the_notdef_box():
    notdef = bitmap(NOT_IN_FONT)
    assert posters.missing_glyphs(NOT_IN_FONT) == NOT_IN_FONT
    glyphs = {}
    for ch in KNOWN:
        glyph = bitmap(ch)
        assert glyph != notdef, ch
        assert any(glyph[1]), ch  # ink, not an empty box
        glyphs[ch] = glyph
    # Different characters, different pictures (a font that drew one box for all would pass the test above).
    assert len(set(glyphs.values())) == len(set(KNOWN))


def test_the_font_covers_every_cjk_unified_ideograph_and_every_generated_product_name():
    assert posters.missing_glyphs("".join(chr(c) for c in range(0x4E00, 0x9FA6))) == ""
    names = "".join(ADJECTIVES) + "".join(noun for _cat, _fee, nouns, _attrs in CATEGORIES for noun in nouns)
    assert posters.missing_glyphs(names + "福袋·赠品试用装电子礼品卡到手价起（周）月日开播") == ""
    assert posters.missing_glyphs("龍井茶 𠀀😀") == "𠀀😀"


def png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_the_poster_title_is_drawn_in_chinese():
    chinese = png(posters.render_poster(title="福袋·加厚针织开衫", lines=[], qr_url="https://example.com/p/1"))
    boxes = png(posters.render_poster(title=NOT_IN_FONT * 9, lines=[], qr_url="https://example.com/p/1"))
    assert chinese.size == (750, 1200)
    title_area = (0, 0, 750, 120)
    assert chinese.crop(title_area).tobytes() != boxes.crop(title_area).tobytes()
    # White title ink on the green band.
    assert (255, 255, 255) in set(chinese.crop(title_area).get_flattened_data())


def test_the_qr_code_holds_the_link():
    url = "https://weixin.qq.com/sl/poster-check"
    poster = png(posters.render_poster(title="商品", lines=["到手价 ¥1.00 起"], qr_url=url, footer="长按识别二维码"))
    matrix = segno.make(url, error="m").matrix
    n = len(matrix)
    size, left, top = 240, 750 - 48 - 240, 1200 - 48 - 240
    module = size / (n + 4)
    for row in range(n):
        for col in range(n):
            x, y = left + int((col + 2.5) * module), top + int((row + 2.5) * module)
            dark = poster.getpixel((x, y))[0] < 128
            assert dark == bool(matrix[row][col]), (row, col)


def test_long_texts_wrap_and_end_in_an_ellipsis():
    draw = posters.ImageDraw.Draw(Image.new("RGB", (10, 10)))
    lines = posters._wrap(draw, "超长标题" * 40, posters.font(44), 654, 2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(draw.textlength(line, font=posters.font(44)) <= 654 for line in lines)


def test_a_picture_is_placed_under_the_title():
    red = io.BytesIO()
    Image.new("RGB", (400, 300), (220, 20, 20)).save(red, format="JPEG")
    poster = png(posters.render_poster(title="商品", lines=["一行"], qr_url="https://e.com", image=red.getvalue()))
    assert poster.getpixel((375, 400))[0] > 180 and poster.getpixel((375, 400))[1] < 60


def test_the_preview_poster_shows_the_start_time_in_the_shops_time_zone():
    from datetime import UTC, datetime

    data = posters.preview_poster(
        title="双十二宠粉专场", start_time=datetime(2026, 12, 12, 12, 0, tzinfo=UTC), qr_url="https://e.com/n"
    )
    same = posters.render_poster(
        title="双十二宠粉专场",
        lines=["直播预告", "12月12日（周六）20:00 开播"],
        qr_url="https://e.com/n",
        footer="长按识别二维码，预约直播",
    )
    assert data == same


@pytest.mark.django_db
def test_the_product_poster_page_and_its_png(owner_client, shop):
    product = ProductFactory(shop=shop, product_id="10000000000001", title="加厚针织开衫", min_price_fen=19900)
    link = "https://weixin.qq.com/sl/abc"
    detail = owner_client.get(console_url("product_detail", shop, product_id=product.product_id)).content.decode()
    assert console_url("poster_product", shop, product_id=product.product_id) in detail

    page = owner_client.get(console_url("poster_product", shop, product_id=product.product_id), {"link": link})
    assert page.status_code == 200 and page.context["link"] == link and page.context["missing"] == ""

    url = console_url("poster_product_png", shop, product_id=product.product_id)
    inline = owner_client.get(url, {"link": link})
    download = owner_client.get(url, {"link": link, "download": "1"})
    assert inline["Content-Type"] == "image/png" and inline["Content-Disposition"].startswith("inline;")
    assert download["Content-Disposition"] == 'attachment; filename="poster-10000000000001.png"'
    assert inline.content == posters.product_poster(title="加厚针织开衫", price_fen=19900, qr_url=link)

    without = owner_client.get(url, {"link": "not a link"})
    assert without.status_code == 302 and without.url == console_url(
        "poster_product", shop, product_id=product.product_id
    )
