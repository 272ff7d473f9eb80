"""Channel attribution: every documented enum combination maps to exactly one channel."""

import pytest
from django.utils import translation

from shopops.channels import Channel, line_channel
from shopops.sync import parse

C = Channel
SALE_CHANNELS_BY_MEDIUM = (0, 1, 2, 102, None)  # 关联账号, 合作账号, 授权号, 其他, no sale_channel in the entry
ACCOUNT_TYPES = (1, 2, 3, 4, 5, 6, 1000, None)
# What each account type means for a relation that is neither 达人带货 (100) nor 带货机构推广 (101), with no scene,
# no live id, no content type and no commission.
BY_ACCOUNT_TYPE = {
    1: C.FINDER_SHOWCASE,
    2: C.MP_ARTICLE,
    3: C.MINIPROGRAM,
    4: C.OTHER,  # 企业微信 without content_type 1 企微成员转发
    5: C.TALENT,
    6: C.SERVICE_ACCOUNT,
    1000: C.AGENCY,
    None: C.OTHER,
}


def _line(**kwargs):
    args = {
        "sale_channel": None,
        "account_type": None,
        "content_type": None,
        "promoter_head_supplier_id": "",
        "commission_types": set(),
        "order_scene": None,
        "live_id": "",
    }
    return line_channel(**(args | kwargs))


@pytest.mark.parametrize(
    ("sale_channel", "account_type", "expected"),
    [(s, a, BY_ACCOUNT_TYPE[a]) for s in SALE_CHANNELS_BY_MEDIUM for a in ACCOUNT_TYPES]
    + [(100, a, C.AGENCY if a == 1000 else C.TALENT) for a in ACCOUNT_TYPES]
    + [(101, a, C.AGENCY) for a in ACCOUNT_TYPES]
    + [(103, 1, C.FINDER_SHOWCASE), (103, 7, C.OTHER), (0, 7, C.OTHER)],  # values the docs do not list
)
def test_relation_and_account_type(sale_channel, account_type, expected):
    assert _line(sale_channel=sale_channel, account_type=account_type) == expected


@pytest.mark.parametrize("sale_channel", [0, 2, 102])  # linked, authorized and other 视频号 alike
@pytest.mark.parametrize(
    ("order_scene", "live_id", "expected"),
    [
        (1, "", C.FINDER_SHOWCASE),
        (1, "live-1", C.FINDER_LIVE),
        (2, "", C.FINDER_LIVE),
        (2, "live-1", C.FINDER_LIVE),
        (3, "", C.FINDER_VIDEO),
        (3, "live-1", C.FINDER_VIDEO),  # the scene names the content; a stray live id does not override it
        (4, "", C.FINDER_SHOWCASE),
        (4, "live-1", C.FINDER_SHOWCASE),
        (5, "", C.FINDER_SHOWCASE),
        (5, "live-1", C.FINDER_SHOWCASE),
        (6, "", C.FINDER_SHOWCASE),
        (6, "live-1", C.FINDER_LIVE),
        (None, "", C.FINDER_SHOWCASE),
        (None, "live-1", C.FINDER_LIVE),
        (99, "", C.FINDER_SHOWCASE),
    ],
)
def test_channels_account_by_scene_and_live_id(sale_channel, order_scene, live_id, expected):
    assert _line(sale_channel=sale_channel, account_type=1, order_scene=order_scene, live_id=live_id) == expected


@pytest.mark.parametrize(
    ("sale_channel", "account_type", "order_scene", "live_id", "expected"),
    [
        # The scene only refines a 视频号 line; it never moves another medium or relation.
        (0, 2, 2, "live-1", C.MP_ARTICLE),
        (1, 2, 6, "", C.MP_ARTICLE),
        (0, 6, 6, "", C.SERVICE_ACCOUNT),
        (0, 6, 3, "", C.SERVICE_ACCOUNT),
        (1, 3, 1, "", C.MINIPROGRAM),
        (1, 3, 2, "live-1", C.MINIPROGRAM),
        (100, 1, 2, "live-1", C.TALENT),
        (100, 1, 3, "", C.TALENT),
        (100, 5, 5, "", C.TALENT),
        (101, 1000, 2, "live-1", C.AGENCY),
        (101, 1000, 5, "", C.AGENCY),
        # No source entry: the order's scene belongs to another line's source, so nothing is inferred from it.
        (None, None, 1, "", C.OTHER),
        (None, None, 2, "live-1", C.OTHER),
        (None, None, 3, "", C.OTHER),
        (None, None, 4, "", C.OTHER),
        (None, None, 5, "", C.OTHER),
        (None, None, 6, "", C.OTHER),
    ],
)
def test_scene_does_not_override_the_source(sale_channel, account_type, order_scene, live_id, expected):
    line = _line(sale_channel=sale_channel, account_type=account_type, order_scene=order_scene, live_id=live_id)
    assert line == expected


@pytest.mark.parametrize(
    ("sale_channel", "account_type", "content_type", "order_scene", "expected"),
    [
        (0, 4, 1, 4, C.WECOM_FORWARD),
        (0, 4, 1, None, C.WECOM_FORWARD),
        (0, 4, 0, 4, C.OTHER),
        (0, 4, None, 4, C.OTHER),
        (0, 4, 2, 4, C.OTHER),  # an undocumented content type
        (None, None, 1, None, C.WECOM_FORWARD),
        (0, 1, 1, 2, C.WECOM_FORWARD),  # a member forwarded the 视频号's product: the forward brought the buyer
        (0, 2, 1, 6, C.WECOM_FORWARD),
        (100, 5, 1, 4, C.TALENT),
        (101, 1000, 1, 4, C.AGENCY),
    ],
)
def test_wecom_member_forward(sale_channel, account_type, content_type, order_scene, expected):
    line = _line(
        sale_channel=sale_channel, account_type=account_type, content_type=content_type, order_scene=order_scene
    )
    assert line == expected


@pytest.mark.parametrize(
    ("sale_channel", "account_type", "commission_types", "expected"),
    [
        # Without a named relation, the alliance's commission entries say who sold the line.
        (None, None, {0}, C.TALENT),
        (None, None, {1}, C.AGENCY),
        (None, None, {0, 1}, C.AGENCY),
        (None, None, set(), C.OTHER),
        (None, None, {7}, C.OTHER),  # an undocumented commission type
        (102, 3, {0}, C.TALENT),
        (102, 3, {0, 1}, C.AGENCY),
        (102, 3, set(), C.MINIPROGRAM),
        (None, 1, {0}, C.TALENT),
        # A named relation wins over commission entries.
        (0, 1, {0}, C.FINDER_SHOWCASE),
        (1, 3, {1}, C.MINIPROGRAM),
        (2, 1, {0, 1}, C.FINDER_SHOWCASE),
        (100, 1, {0, 1}, C.TALENT),
        (100, 5, {0}, C.TALENT),
        (101, 1000, {0, 1}, C.AGENCY),
        (101, 1000, {0}, C.AGENCY),
    ],
)
def test_commission_types(sale_channel, account_type, commission_types, expected):
    line = _line(sale_channel=sale_channel, account_type=account_type, commission_types=commission_types)
    assert line == expected


@pytest.mark.parametrize(
    ("sale_channel", "account_type", "commission_types", "order_scene", "expected"),
    [
        (101, 1000, {0, 1}, 4, C.SHARER),  # an agency's own 推客 sharing a product
        (101, 1000, set(), 4, C.SHARER),
        (101, 1000, {0, 1}, 2, C.SHARER),
        (None, None, set(), None, C.SHARER),
        (0, 1, set(), 2, C.SHARER),
    ],
)
def test_sharer_lines_name_the_agency_of_the_sharer(
    sale_channel, account_type, commission_types, order_scene, expected
):
    line = _line(
        sale_channel=sale_channel,
        account_type=account_type,
        commission_types=commission_types,
        order_scene=order_scene,
        promoter_head_supplier_id="wxagency1",
    )
    assert line == expected


def test_every_channel_has_a_row():
    rows = (
        [_line(sale_channel=s, account_type=a) for s in (0, 100, 101) for a in ACCOUNT_TYPES]
        + [_line(sale_channel=0, account_type=1, order_scene=s) for s in (2, 3)]
        + [_line(account_type=4, content_type=1), _line(promoter_head_supplier_id="wxagency1")]
    )
    assert set(rows) == set(Channel)


def test_channel_labels():
    with translation.override("en"):
        english = [(c.value, str(c.label)) for c in Channel]
    with translation.override("zh-hans"):
        chinese = [str(c.label) for c in Channel]
    assert english == [
        ("finder_live", "Channels live stream"),
        ("finder_video", "Channels short video"),
        ("finder_showcase", "Channels showcase"),
        ("mp_article", "Official account article"),
        ("service_account", "Service account"),
        ("miniprogram", "Mini program"),
        ("wecom_forward", "WeCom member forward"),
        ("talent", "Talent"),
        ("agency", "Agency"),
        ("sharer", "Sharer"),
        ("other", "Natural traffic and other"),
    ]
    assert chinese == [
        "视频号直播",
        "视频号短视频",
        "视频号橱窗",
        "公众号文章",
        "服务号",
        "小程序",
        "企业微信成员转发",
        "带货达人",
        "带货机构",
        "分享员",
        "自然流量及其他",
    ]


def _product(sku_id):
    return {"product_id": "10001", "sku_id": sku_id, "sku_cnt": 1, "sale_price": 1990, "real_price": 1990}


def test_order_lines_carry_their_channel():
    order = {
        "order_id": "3705115058471208928",
        "order_detail": {
            "product_infos": [_product(s) for s in ("2001", "2002", "2003", "2004", "2005")],
            "ext_info": {"order_scene": "2", "live_id": "live-1", "finder_id": "sph123"},  # strings read leniently
            "source_infos": [
                {"sku_id": "2001", "sale_channel": 0, "account_type": 1, "account_id": "sph123"},
                {"sku_id": 2002, "sale_channel": "0", "account_type": "4", "content_type": "1", "content_id": "lisi"},
                {"sku_id": "2004", "sale_channel": 101, "account_type": 1000, "promoter_head_supplier_id": "wxag"},
                {"sku_id": "2005", "sale_channel": 101, "account_type": 1000, "account_id": "wxag"},
            ],
            "commission_infos": [
                {"sku_id": "2003", "type": 0, "status": 1, "amount": 199, "talent_id": "wxtalent"},
                {"sku_id": "2005", "type": 0, "status": 1, "amount": 100, "finder_id": "sph9"},
                {"sku_id": "2005", "type": 1, "status": 1, "amount": 30, "agency_id": "wxag"},
            ],
        },
    }
    lines = parse.order_line_fields(order)
    assert [(line["sku_id"], line["channel"]) for line in lines] == [
        ("2001", C.FINDER_LIVE),
        ("2002", C.WECOM_FORWARD),
        ("2003", C.TALENT),  # no source entry, but a talent's commission
        ("2004", C.SHARER),
        ("2005", C.AGENCY),
    ]


def test_an_order_line_without_attribution_is_other():
    (line,) = parse.order_line_fields({"order_id": "1", "order_detail": {"product_infos": [_product("3001")]}})
    assert line["channel"] == C.OTHER
