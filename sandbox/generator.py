"""Deterministic platform data: a shop's catalog, buyers, accounts, agencies and orders with their whole future.

Same arguments → byte-identical payloads. Every random choice comes from a ``random.Random`` seeded with a string
derived from (shop appid, seed, purpose) — one per catalog part, one per order (``…:order:<seq>``) and one per
simulated hour for arrivals (``…:hour:<n>``) — so an order's content does not depend on how many orders came before
it or on how ``sandbox_advance`` splits time. The global RNG and the wall clock are never used here; the only
anchor is the shop clock handed in by the caller.

Source mix (``source_infos`` per SKU; order-level ``ext_info.order_scene`` follows the order's main source):

| kind            | sale_channel | account_type | account_id            | order_scene           | commission_infos  |
|-----------------|--------------|--------------|-----------------------|-----------------------|-------------------|
| natural traffic | (no entry)   |              |                       | 1 其他 / 4 分享       |                   |
| linked 视频号   | 0            | 1            | sph…                  | 2 live (+live_id) / 3 |                   |
| linked 公众号   | 0            | 2            | wx… (+original_id gh_)| 6 article             |                   |
| linked 服务号   | 0            | 6            | wx… (+original_id gh_)| 6 article             |                   |
| linked 企业微信 | 0            | 4            | ww… corp id; content_type 1, content_id = member userid | 4 | |
| coop 公众号     | 1            | 2            | wx… (+original_id gh_)| 6                     |                   |
| coop 小程序     | 1            | 3            | wx…                   | 1                     |                   |
| 授权号          | 2            | 1            | sph… (+agent_info)    | 2 / 3                 |                   |
| talent 视频号   | 100          | 1            | sph…                  | 2 / 3 / 5             | type 0            |
| talent (带货助手)| 100         | 5            | wx… talent appid      | 5 / 4 / 2             | type 0            |
| agency          | 101          | 1000         | agency appid          | 2 / 3 / 5; 4 (sharer) | type 0 + 1        |
| other           | 102          | 3            | wx… (other mini-prog.)| 1 / 4                 |                   |

An agency's sharer (推客) line also carries promoter_head_supplier_id = the agency's id.

UNCONFIRMED choices: natural traffic has no source_infos entry; 102 其他 is reported with account_type 3; an
agency's id (account_id, agency_id, promoter_head_supplier_id) is its appid; WeCom account_id is the raw corp id
(``ww…``) and content_id the member's userid (the shop-side opaque ids of wecom/get_wecom_id are kept in
LinkedAccount.extra); order coupons use ``coupon_type`` 1 for merchant coupons and 2 for talent-funded coupons;
the linked accounts' own side (SANDBOX-ONLY, sandbox/linking.py) — super admins, selling identities, link times and
the 公众号 bound to the official 视频号 — comes from a random stream of its own, so it changes no other byte.

Price arithmetic (all fen; checked for every order by tests/sandbox/test_generator.py):
- line: L = sale_price × sku_cnt;
  merchant_discounted_price = Σ coupon_type-1 discounts + limited_discount_discounted_price;
  finder_discounted_price = Σ coupon_type-2 discounts; estimate_price = L − merchant − finder;
  real_price = min(estimate_price, change_price) when is_change_price else estimate_price; gifts: all 0.
- order: product_price = ΣL; original_order_price = product_price + freight; discounted_price = Σ merchant;
  change_down_price = Σ(estimate − real); order_price = Σ real + freight;
  merchant_receieve_price = original_order_price − discounted_price − deduction_price − change_down_price
  (= order_price + finder_discounted_price: the talent funds its own coupon).
"""

import hashlib
import math
import random
import string
from dataclasses import dataclass, field

from sandbox import gen_live
from sandbox.gen_live import live_id_for
from sandbox.gen_luckybag import luckybags_add
from sandbox.lifecycle import AFTERSALE_FINAL, AGENCY_PLAN, PPM_PER_PCT, OrderRec, PlanBook, ShopInfo, Simulation

DAY, HOUR = 86400, 3600
CN_OFFSET = 8 * HOUR  # Asia/Shanghai, no DST
UNPAID_TIMEOUT = 30 * 60  # UNCONFIRMED: unpaid orders are cancelled by the platform after 30 minutes.
AUTO_CONFIRM = 10 * DAY  # UNCONFIRMED: receipt is confirmed automatically 10 days after the last shipment.
ADDRESS_CHANGE_RATE = 0.06  # UNCONFIRMED: the share of shipped orders whose buyer asks to change the address.
# After the merchant rejects an after-sale (MERCHANT_REJECT_*) the buyer may apply again or ask the platform to step
# in (申请平台介入); the after-sale stays open ("正在售后") meanwhile, so the order is not settled. Nobody escalates in
# the sandbox: when the window lapses the after-sale ends as USER_CANCELD, unless the buyer opened another after-sale
# on the SKU first (cancel and apply again, which gives a new after-sale id), which ends it then. UNCONFIRMED: the end
# status (answers in the WeChat developer community: RETURN_CLOSED without 平台介入 turns USER_CANCELD; MERCHANT_FAIL
# 售后关闭 is a verdict after 平台介入) and the window's length for 微信小店 (7 days is what the older 小程序交易组件
# documents: "用户超时未申请平台接入 7天").
REJECT_APPEAL_WINDOW = 7 * DAY
REJECT_LAPSED_STATUS = "USER_CANCELD"
# Orders per local hour (Asia/Shanghai), relative: quiet nights, lunch bump, evening live-stream peak.
DIURNAL = (3, 2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 7, 6, 6, 6, 7, 8, 11, 13, 13, 10, 6)
DIURNAL_MAX = max(DIURNAL)
DIURNAL_MEAN = sum(DIURNAL) / 24

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "-_"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
)
REGIONS = (
    ("广东省", "广州市", "天河区", "440106", "510000"),
    ("浙江省", "杭州市", "西湖区", "330106", "310000"),
    ("上海市", "上海市", "浦东新区", "310115", "200120"),
    ("北京市", "北京市", "朝阳区", "110105", "100020"),
    ("江苏省", "南京市", "鼓楼区", "320106", "210000"),
    ("四川省", "成都市", "武侯区", "510107", "610000"),
    ("湖北省", "武汉市", "洪山区", "420111", "430000"),
    ("福建省", "厦门市", "思明区", "350203", "361000"),
)
STREETS = ("建设路", "人民路", "解放路", "中山路", "和平路", "文化路", "长江路", "滨江大道")
NICK_A = ("小", "阿", "大", "老", "甜", "暖", "星", "云", "木", "橙")
NICK_B = ("鱼", "猫", "桃", "米", "糖", "豆", "叶", "月", "果", "风", "禾", "柚")

# (category, fee ppm, nouns, attributes)
CATEGORIES = (
    (
        "服饰",
        50_000,
        ("纯棉T恤", "连帽卫衣", "直筒牛仔裤", "针织开衫", "羽绒马甲"),
        {"颜色": ("黑色", "白色", "燕麦色", "雾霾蓝"), "尺码": ("S", "M", "L", "XL")},
    ),
    (
        "食品",
        20_000,
        ("手工牛轧糖", "小粒咖啡豆", "五常大米", "低糖燕麦片", "坚果礼盒"),
        {"规格": ("250g", "500g", "1kg", "礼盒装")},
    ),
    ("美妆", 30_000, ("氨基酸洁面乳", "玻尿酸精华", "保湿面霜", "防晒喷雾"), {"规格": ("30ml", "50ml", "100ml")}),
    (
        "家居",
        30_000,
        ("乳胶枕", "四件套", "香薰蜡烛", "收纳箱"),
        {"颜色": ("米白", "灰色", "蓝色"), "规格": ("标准", "加大")},
    ),
    ("数码", 20_000, ("蓝牙耳机", "快充数据线", "磁吸充电宝"), {"颜色": ("黑色", "白色", "粉色")}),
)
ADJECTIVES = ("经典款", "新款", "加厚", "轻薄", "限定", "家用", "便携", "升级版")
BASE_PRICES = (990, 1990, 2990, 3990, 5990, 6990, 8990, 9990, 12900, 15900, 19900, 29900)
COMPANIES = (
    ("SF", "顺丰速运", "SF", 13),
    ("YTO", "圆通速递", "YT", 13),
    ("ZTO", "中通快递", "7", 13),
    ("STO", "申通快递", "77", 11),
    ("YD", "韵达快递", "43", 11),
    ("JD", "京东物流", "JDV", 12),
    ("EMS", "中国邮政EMS", "98", 11),
)
SOURCE_WEIGHTS = (
    ("natural", 22),
    ("linked_channels", 14),
    ("linked_mp", 5),
    ("linked_service", 3),
    ("linked_wecom", 5),
    ("coop_mp", 3),
    ("coop_mini", 6),
    ("authorized", 5),
    ("talent_finder", 8),
    ("talent_app", 8),
    ("agency", 12),
    ("other", 3),
)


# --- identifiers -----------------------------------------------------------------------------------------------


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10 ** (n - 1), 10**n))


def appid_for(rng: random.Random) -> str:
    return "wx" + _hex(rng, 16)


def _gh(rng: random.Random) -> str:
    return "gh_" + _hex(rng, 12)


def _sph(rng: random.Random) -> str:
    return "sph" + _chars(rng, ALNUM, 10)


def _nick(rng: random.Random) -> str:
    return rng.choice(NICK_A) + rng.choice(NICK_B) + rng.choice(("", "酱", "同学", "的店", "日记", "说"))


def _hash_digits(text: str, n: int) -> str:
    return str(int(hashlib.sha1(text.encode()).hexdigest(), 16) % 10**n).zfill(n)


def gift_task_id_for(gift_product_id: str, main_product_id: str) -> str:
    """The shop's 赠品 task that gives ``gift_product_id`` with ``main_product_id``: one task per pair.
    UNCONFIRMED: the type of free_gift_info's task_id (a string of digits here, like the other ids)."""
    return _hash_digits(f"gift-task:{gift_product_id}:{main_product_id}", 12)


def order_id_for(t: int, seq: int) -> str:
    """19 digits, unique per shop, increasing with creation time (so string order = numeric order)."""
    return f"37{t:010d}{seq % 10**7:07d}"


def aftersale_id_for(order_seq: int, n: int) -> str:
    return f"2000000{order_seq:010d}{n:02d}"


def rng_base(appid: str, seed: int) -> str:
    return f"sandbox:{appid}:{seed}"


def local_hour(t: int) -> int:
    return (t + CN_OFFSET) // HOUR % 24


# --- accounts --------------------------------------------------------------------------------------------------


def credentials_for(appid: str, seed: int) -> dict:
    """Generated AppSecret, push Token, EncodingAESKey and original id for a shop (used when not given)."""
    from sandbox.crypto import encoding_aes_key_from_bytes

    rng = random.Random(f"{rng_base(appid, seed)}:credentials")
    return {
        "secret": _hex(rng, 32),
        "push_token": _chars(rng, ALNUM, 32),
        "encoding_aes_key": encoding_aes_key_from_bytes(rng.randbytes(32)),
        "username": _gh(rng),
    }


def agency_spec(seed: int, index: int) -> dict:
    """Agency ``index`` of ``seed``: the same agencies for every shop seeded with that seed."""
    from sandbox.crypto import encoding_aes_key_from_bytes

    rng = random.Random(f"sandbox:agency:{seed}:{index}")
    appid = appid_for(rng)
    names = ("星河带货机构", "青禾联盟团长", "远山优选", "南风直播机构", "鹿鸣电商")
    return {
        "appid": appid,
        "secret": _hex(rng, 32),
        "push_token": _chars(rng, ALNUM, 32),
        "encoding_aes_key": encoding_aes_key_from_bytes(rng.randbytes(32)),
        "username": _gh(rng),
        "name": f"{names[index % len(names)]}{index + 1}",
        "headimg_url": f"https://wx.qlogo.cn/mmhead/{_hex(rng, 32)}/0",
        "promoters": {
            "finder": [
                {
                    "finder_id": _sph(rng),
                    "info": {
                        "nickname": _nick(rng),
                        "head_img_url": f"https://wx.qlogo.cn/finderhead/{_hex(rng, 24)}/0",
                        "openfinderid": "of" + _chars(rng, B64, 26),
                    },
                }
                for _ in range(3)
            ],
            "talent": [
                {
                    "info": {
                        "talent_appid": appid_for(rng),
                        "nickname": _nick(rng),
                        "opentalentid": "ot" + _chars(rng, B64, 26),
                    }
                }
                for _ in range(2)
            ],
            "sharer": [
                {
                    "info": {
                        "sharer_appid": appid_for(rng),
                        "nickname": _nick(rng),
                        "opensharerid": "os" + _chars(rng, B64, 26),
                    }
                }
                for _ in range(3)
            ],
        },
    }


# --- the world an order is drawn from ----------------------------------------------------------------------------


@dataclass
class World:
    """What order generation needs, in a fixed order, whether built fresh (seed) or loaded back (advance)."""

    shop: ShopInfo
    base: str
    products: dict[str, dict]  # product_id -> product payload (online)
    product_meta: dict[str, dict]  # product_id -> {"role", "fee_ppm", "league_pct"}
    buyers: list[dict]  # [{"openid", "unionid", "address"}]
    catalog: dict
    agencies: list[dict]  # accepted agencies: spec + "items" {product_id: [ratio_ppm, service_ratio_ppm]}
    # Per mille of commission parties paid wrongly / of 推客 agency lines bought by the 推客 (see _anomalies).
    miscompute_permille: int = 0
    self_referral_permille: int = 0
    # Per mille of settled orders whose 私域激励 fee reduction the platform gets wrong (see _fee_skew).
    fee_mismatch_permille: int = 0
    orderable: list[str] = field(init=False)
    gifts: list[str] = field(init=False)
    virtual: list[str] = field(init=False)
    league: list[str] = field(init=False)

    def __post_init__(self):
        roles = {pid: meta["role"] for pid, meta in self.product_meta.items()}
        self.orderable = [p for p in self.products if roles.get(p) == "normal"]
        self.gifts = [p for p in self.products if roles.get(p) == "gift"]
        self.virtual = [p for p in self.products if roles.get(p) == "virtual"]
        self.league = [p for p in self.orderable if self.product_meta[p]["league_pct"]]


def build_catalog(*, appid: str, seed: int, orders: int, anchor: int, name: str, agencies: list[dict]):
    """Products, buyers, linked/cooperation accounts, talents, coupons and agency items of a shop.

    Returns (products, product_meta, buyers, catalog, linked_accounts, agency_items) with products as
    [{product_id, status, update_time, payload, edit_payload}].
    """
    base = rng_base(appid, seed)
    rng = random.Random(f"{base}:products")
    n_products = max(12, min(60, orders // 300))
    products, meta, seen = [], {}, set()
    for i in range(n_products):
        role = {n_products - 1: "draft", n_products - 2: "delisted", n_products - 3: "recycled"}.get(i, "normal")
        if i == n_products - 4:
            role = "gift"
        elif i == n_products - 5:
            role = "virtual"
        product_id = _digits(rng, 14)
        while product_id in seen:
            product_id = _digits(rng, 14)
        seen.add(product_id)
        category, fee_ppm, nouns, attrs = CATEGORIES[i % len(CATEGORIES)]
        title = f"{rng.choice(ADJECTIVES)}{rng.choice(nouns)}"
        if role == "gift":
            title = f"赠品·{title}试用装"
        elif role == "virtual":
            title, category = "电子礼品卡", "虚拟"
        keys = list(attrs)[: rng.randint(1, len(attrs))]
        combos = [[]]
        for key in keys:
            combos = [c + [(key, v)] for c in combos for v in attrs[key]]
        combos = combos[: rng.randint(1, 4)]
        base_price = rng.choice(BASE_PRICES)
        edit_time = anchor - rng.randint(30 * DAY, 200 * DAY)
        skus = []
        for k, combo in enumerate(combos):
            sku_id = _digits(rng, 14)
            while sku_id in seen:
                sku_id = _digits(rng, 14)
            seen.add(sku_id)
            sale_price = base_price + 1000 * k
            skus.append(
                {
                    "sku_id": sku_id,
                    "out_sku_id": f"OS{sku_id[-8:]}",
                    "thumb_img": f"https://mmecimage.cn/p/{appid}/{sku_id}.jpg",
                    "sale_price": sale_price,
                    "market_price": sale_price * rng.choice((12, 15, 18)) // 1000 * 100,
                    "stock_num": rng.randrange(0, 3000),
                    "sku_code": f"SKU-{product_id[-6:]}-{k + 1}",
                    "bar_code": "69" + _digits(rng, 11),
                    "sku_attrs": [{"attr_key": key, "attr_value": value} for key, value in combo],
                    "status": 5,
                    "sku_deliver_info": {"stock_type": 0},
                }
            )
        status = {"draft": 0, "delisted": 11, "recycled": 6}.get(role, 5)
        payload = {
            "product_id": product_id,
            "out_product_id": f"OP{product_id[-8:]}",
            "title": title,
            "short_title": title[:8],
            "sub_title": f"{category}·{name}",
            "head_imgs": [f"https://mmecimage.cn/p/{appid}/{product_id}_{n}.jpg" for n in range(1, 4)],
            "desc_info": {
                "imgs": [f"https://mmecimage.cn/p/{appid}/{product_id}_d1.jpg"],
                "desc": f"{title}，{category}好物。",
            },
            "cats": [{"cat_id": str(1000 + i % len(CATEGORIES))}, {"cat_id": str(20000 + i)}],
            "cats_v2": [{"cat_id": str(1000 + i % len(CATEGORIES))}, {"cat_id": str(20000 + i)}],
            "attrs": [{"attr_key": "产地", "attr_value": rng.choice(REGIONS)[0]}],
            "spu_code": f"SPU{product_id[-6:]}",
            "brand_id": "2100000000",
            "deliver_method": 1 if role == "virtual" else 0,
            "express_info": {
                "template_id": "0" if role == "virtual" else "3051",
                "weight": 0 if role == "virtual" else 500,
            },
            "aftersale_desc": "支持七天无理由退货",
            "status": status,
            "edit_status": 1 if role == "draft" else 4,
            "min_price": min(s["sale_price"] for s in skus),
            "total_sold_num": rng.randrange(0, 5000),
            "edit_time": edit_time,
            "skus": skus,
            "limited_info": {"period_type": 0, "limited_buy_num": 0},
            "extra_service": {
                "seven_day_return": 0 if role == "virtual" else 1,
                "pay_after_use": 0,
                "freight_insurance": 0,
            },
            "product_type": 1,
        }
        products.append(
            {
                "product_id": product_id,
                "status": status,
                "update_time": edit_time,
                "payload": None if role == "draft" else payload,
                "edit_payload": payload,
            }
        )
        meta[product_id] = {
            "role": role,
            "fee_ppm": 0 if role == "virtual" else fee_ppm,
            "league_pct": rng.choice((0, 5, 8, 10, 12, 15, 20, 25, 30)) if role == "normal" else 0,
        }

    rng = random.Random(f"{base}:buyers")
    buyers = []
    for _ in range(max(40, orders // 4)):
        region = rng.choice(REGIONS)
        tel = "1" + rng.choice("3456789") + _digits(rng, 9)
        address = {
            "user_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "postal_code": region[4],
            "province_name": region[0],
            "city_name": region[1],
            "county_name": region[2],
            "detail_info": (
                f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2805)}"
            ),
            "national_code": region[3],
            "tel_number": tel,
            "house_number": "",
        }
        buyers.append(
            {
                "openid": "o" + _chars(rng, B64, 27),
                "unionid": "oU" + _chars(rng, B64, 26),
                "nickname": _nick(rng),
                "address": address,
            }
        )

    rng = random.Random(f"{base}:accounts")
    linked = []

    def account(sale_channel, account_type, account_id, nickname, original_id="", **extra):
        row = {
            "sale_channel": sale_channel,
            "account_type": account_type,
            "account_id": account_id,
            "nickname": nickname,
            "original_id": original_id,
            "extra": extra,
        }
        linked.append(row)
        return row

    channels = [account(0, 1, _sph(rng), f"{name}{suffix}") for suffix in ("官方视频号", "直播间")]
    mp = [account(0, 2, appid_for(rng), f"{name}公众号", _gh(rng))]
    service = [account(0, 6, appid_for(rng), f"{name}服务号", _gh(rng))]
    corp_id = "ww" + _hex(rng, 16)
    members = [
        {
            "user_id": rng.choice(("Zhang", "Li", "Wang", "Chen", "Liu")) + _chars(rng, string.ascii_letters, 4),
            "wecom_user_id": "wu" + _chars(rng, B64, 30),
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        }
        for _ in range(5)
    ]
    wecom = [account(0, 4, corp_id, f"{name}企业微信", wecom_corp_id="wc" + _chars(rng, B64, 30), members=members)]
    coop_mp = [
        account(1, 2, appid_for(rng), f"{_nick(rng)}生活号", _gh(rng), status=1, bind_time=(anchor - 90 * DAY) * 1000)
    ]
    coop_mini = [
        account(1, 3, appid_for(rng), f"{_nick(rng)}{kind}", status=1, bind_time=(anchor - 60 * DAY) * 1000)
        for kind in ("商城小程序", "会员小程序")
    ]
    authorized = [account(2, 1, _sph(rng), f"{_nick(rng)}授权号")]
    # The linked accounts' own side (SANDBOX-ONLY, see sandbox/linking.py), from a stream of its own so that the
    # data above keeps its bytes: who administers what, how each 视频号 sells, when each account was linked, and
    # the 公众号 bound to the official 视频号 (公众平台账号绑定视频号). The official 视频号 is run by the shop's own
    # super admin (so it may switch to 达人带货); the live-room one by someone else.
    identity_rng = random.Random(f"{base}:identities")
    shop_admin = "adm_" + _hex(identity_rng, 16)
    for i, row in enumerate(channels):
        admin = shop_admin if i == 0 else "adm_" + _hex(identity_rng, 16)
        row["extra"].update(super_admin_id=admin, selling_identity=1)
    for row in (*channels, *mp, *service, *wecom):
        row["extra"]["link_time"] = anchor - identity_rng.randint(120, 400) * DAY
    mp[0]["extra"].update(
        bind_finder_id=channels[0]["account_id"],
        bind_finder_nickname=channels[0]["nickname"],
        bind_time=anchor - identity_rng.randint(30, 100) * DAY,
    )
    talents = [
        {
            "finder_id": _sph(rng),
            "openfinderid": "of" + _chars(rng, B64, 26),
            "talent_id": appid_for(rng),
            "nickname": _nick(rng),
        }
        for _ in range(8)
    ]
    others = [{"account_id": appid_for(rng), "nickname": f"{_nick(rng)}优选"}]

    rng = random.Random(f"{base}:coupons")
    normal = [p["product_id"] for p in products if meta[p["product_id"]]["role"] == "normal"]

    def coupon(type_, name_, **rule):
        return {"coupon_id": _digits(rng, 10), "type": type_, "name": name_, **rule}

    coupons = [
        coupon(102, "满99减10", product_price=9900, discount_fee=1000),
        coupon(104, "店铺立减5元", discount_fee=500),
        coupon(103, "店铺9折券", discount_num=9000),
        coupon(101, "满2件85折", product_cnt=2, discount_num=8500),
        coupon(2, "单品满50减8", product_id=normal[0], product_price=5000, discount_fee=800),
        coupon(4, "单品立减3元", product_id=normal[1], discount_fee=300),
        coupon(1, "单品2件9折", product_id=normal[2], product_cnt=2, discount_num=9000),
        coupon(3, "单品95折", product_id=normal[3], discount_num=9500),
    ]
    finder_coupons = [{"coupon_id": _digits(rng, 10), "discount_fee": fee} for fee in (300, 500, 1000)]

    rng = random.Random(f"{base}:agency-items")
    agency_items = []
    for spec in agencies:
        chosen = [p for p in normal if rng.random() < 0.6] or normal[:2]
        for product_id in chosen:
            ratio = rng.choice((100_000, 120_000, 150_000, 200_000, 250_000))
            service_ratio = rng.choice((10_000, 20_000, 30_000, 50_000))
            agency_items.append(
                {
                    "agency": spec["appid"],
                    "product_id": product_id,
                    "ratio_ppm": ratio,
                    "service_ratio_ppm": service_ratio,
                }
            )

    catalog = {
        "linked": {"channels": channels, "mp": mp, "service": service, "wecom": wecom},
        "super_admin_id": shop_admin,
        "cooperation": {"mp": coop_mp, "mini": coop_mini},
        "authorized": authorized,
        "talents": talents,
        "others": others,
        "coupons": coupons,
        "finder_coupons": finder_coupons,
        "league_items": [
            {"product_id": p, "type": 1, "ratio": meta[p]["league_pct"], "status": 1}
            for p in normal
            if meta[p]["league_pct"]
        ],
        "product_meta": meta,
        "agencies": [spec["appid"] for spec in agencies],
        "live": gen_live.live_catalog(base, channels),
    }
    return products, meta, buyers, catalog, linked, agency_items


# --- orders ----------------------------------------------------------------------------------------------------


def _source(rng: random.Random, world: World, t0: int) -> dict:
    """The order's main source: source_info template, scene, finder/live ids, agent_info, commission and pool."""
    kinds = [(k, w) for k, w in SOURCE_WEIGHTS if k != "agency" or world.agencies]
    kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
    cat = world.catalog
    out = {
        "kind": kind,
        "info": None,
        "scene": 1,
        "finder_id": "",
        "live_id": "",
        "agent_info": None,
        "commission": None,
        "pool": world.orderable,
    }

    def info(sale_channel, account_type, account_id, nickname, original_id="", content_type=0, content_id="", head=""):
        return {
            "sale_channel": sale_channel,
            "account_type": account_type,
            "account_id": account_id,
            "account_nickname": nickname,
            "content_type": content_type,
            "content_id": content_id,
            "promoter_head_supplier_id": head,
            "original_id": original_id,
        }

    def live_or_video(finder_id, scenes=(2, 3), weights=(6, 4)):
        out["scene"] = rng.choices(scenes, weights=weights)[0]
        if out["scene"] in (2, 3):
            out["finder_id"] = finder_id
        if out["scene"] == 2:
            out["live_id"] = live_id_for(finder_id, t0)

    if kind == "natural":
        out["scene"] = rng.choices((1, 4), weights=(7, 3))[0]
    elif kind == "linked_channels":
        acc = rng.choice(cat["linked"]["channels"])
        out["info"] = info(0, 1, acc["account_id"], acc["nickname"])
        live_or_video(acc["account_id"])
    elif kind in ("linked_mp", "linked_service"):
        acc = rng.choice(cat["linked"]["mp" if kind == "linked_mp" else "service"])
        out["info"] = info(0, acc["account_type"], acc["account_id"], acc["nickname"], acc["original_id"])
        out["scene"] = 6
    elif kind == "linked_wecom":
        acc = rng.choice(cat["linked"]["wecom"])
        member = rng.choice(acc["extra"]["members"])
        out["info"] = info(0, 4, acc["account_id"], acc["nickname"], content_type=1, content_id=member["user_id"])
        out["scene"] = 4
    elif kind == "coop_mp":
        acc = rng.choice(cat["cooperation"]["mp"])
        out["info"] = info(1, 2, acc["account_id"], acc["nickname"], acc["original_id"])
        out["scene"] = 6
    elif kind == "coop_mini":
        acc = rng.choice(cat["cooperation"]["mini"])
        out["info"] = info(1, 3, acc["account_id"], acc["nickname"])
    elif kind == "authorized":
        acc = rng.choice(cat["authorized"])
        out["info"] = info(2, 1, acc["account_id"], acc["nickname"])
        out["agent_info"] = {"agent_finder_id": acc["account_id"], "agent_finder_nickname": acc["nickname"]}
        live_or_video(acc["account_id"])
    elif kind in ("talent_finder", "talent_app"):
        talent = rng.choice(cat["talents"])
        if kind == "talent_finder":
            out["info"] = info(100, 1, talent["finder_id"], talent["nickname"])
            live_or_video(talent["finder_id"], (2, 3, 5), (5, 3, 2))
            entry = {"finder_id": talent["finder_id"], "openfinderid": talent["openfinderid"], "talent_id": ""}
        else:
            out["info"] = info(100, 5, talent["talent_id"], talent["nickname"])
            live_or_video(talent["finder_id"], (5, 4, 2), (5, 3, 2))
            entry = {"finder_id": "", "openfinderid": "", "talent_id": talent["talent_id"]}
        out["commission"] = {
            "kind": "talent",
            "nickname": talent["nickname"],
            "talent_appid": talent["talent_id"],
            "entry": entry,
        }
        out["pool"] = world.league
    elif kind == "agency":
        agency = rng.choice(world.agencies)
        promoter_kind = rng.choices(("finder", "talent", "sharer"), weights=(5, 2, 3))[0]
        promoter = rng.choice(agency["promoters"][promoter_kind])
        head = agency["appid"] if promoter_kind == "sharer" else ""
        out["info"] = info(101, 1000, agency["appid"], agency["name"], head=head)
        if promoter_kind == "finder":
            live_or_video(promoter["finder_id"], (2, 3, 5), (5, 3, 2))
            entry = {
                "finder_id": promoter["finder_id"],
                "openfinderid": promoter["info"]["openfinderid"],
                "talent_id": "",
            }
        elif promoter_kind == "talent":
            out["scene"] = 5
            entry = {"finder_id": "", "openfinderid": "", "talent_id": promoter["info"]["talent_appid"]}
        else:
            out["scene"] = 4
            entry = {"finder_id": "", "openfinderid": "", "talent_id": ""}
        out["commission"] = {
            "kind": "agency",
            "agency": agency,
            "promoter_kind": promoter_kind,
            "promoter": promoter,
            "entry": entry,
        }
        out["pool"] = list(agency["items"])
    else:  # other
        acc = rng.choice(cat["others"])
        out["info"] = info(102, 3, acc["account_id"], acc["nickname"])
        out["scene"] = rng.choice((1, 4))
    return out


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` proportionally to ``weights`` (floor), the remainder to the largest weight (first of ties)."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    parts[weights.index(max(weights))] += total - sum(parts)
    return parts


def _coupon_discounts(rng: random.Random, world: World, lines: list[dict]) -> None:
    """Maybe apply one merchant coupon (coupon_type 1) to the order's non-gift lines."""
    if rng.random() >= 0.3:
        return
    main = [ln for ln in lines if not ln["is_free_gift"]]
    candidates = []
    for c in world.catalog["coupons"]:
        targets = [ln for ln in main if c.get("product_id") in (None, ln["product_id"])]
        if not targets:
            continue
        amount = sum(ln["sale_price"] * ln["sku_cnt"] for ln in targets)
        count = sum(ln["sku_cnt"] for ln in targets)
        if amount < c.get("product_price", 0) or count < c.get("product_cnt", 0):
            continue
        candidates.append((c, targets, amount))
    if not candidates:
        return
    c, targets, amount = rng.choice(candidates)
    discount = c["discount_fee"] if "discount_fee" in c else amount * (10000 - c["discount_num"]) // 10000
    discount = min(discount, amount // 2)
    if discount <= 0:
        return
    user_coupon_id = _digits(rng, 14)
    for ln, part in zip(targets, _allocate(discount, [t["sale_price"] * t["sku_cnt"] for t in targets]), strict=True):
        if part:
            ln["order_product_coupon_info_list"].append(
                {
                    "coupon_type": 1,
                    "user_coupon_id": user_coupon_id,
                    "coupon_id": c["coupon_id"],
                    "discounted_price": part,
                }
            )
            ln["merchant_discounted_price"] += part


def make_order(world: World, seq: int, t0: int) -> OrderRec:
    """Order number ``seq`` created at ``t0``: payload in status 10 and the plan of everything that follows."""
    rng = random.Random(f"{world.base}:order:{seq}")
    order_id = order_id_for(t0, seq)
    buyer = world.buyers[int(len(world.buyers) * rng.random() ** 1.5)]
    source = _source(rng, world, t0)
    virtual = bool(source["kind"] in ("natural", "coop_mini") and world.virtual and rng.random() < 0.04)

    if virtual:
        picks = [rng.choice(world.virtual)]
    else:
        pool = source["pool"] or world.orderable
        n_lines = min(len(pool), rng.choices((1, 2, 3), weights=(65, 25, 10))[0])
        picks = rng.sample(pool, n_lines)
    lines, line_meta = [], []
    for product_id in picks:
        product = world.products[product_id]
        sku = rng.choice(product["skus"])
        cnt = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
        lines.append(_line(product, sku, cnt, gift=False))
        line_meta.append({"fee_ppm": world.product_meta[product_id]["fee_ppm"], "refunded": 0, "gift": False})
    if not virtual and world.gifts and rng.random() < 0.06:
        gift = world.products[rng.choice(world.gifts)]
        main = lines[0]
        line = _line(gift, gift["skus"][0], 1, gift=True)
        line["free_gift_info"] = {
            "main_product_list": [
                {
                    "product_id": main["product_id"],
                    "sku_id": main["sku_id"],
                    "task_id": gift_task_id_for(gift["product_id"], main["product_id"]),
                    "gift_cnt": line["sku_cnt"],
                }
            ]
        }
        lines.append(line)
        line_meta.append({"fee_ppm": 0, "refunded": 0, "gift": True})

    # Discounts: limited-time merchant promotions, a merchant coupon, a talent-funded coupon, a merchant price change.
    for ln in lines:
        if not ln["is_free_gift"] and rng.random() < 0.15:
            promo = ln["sale_price"] * ln["sku_cnt"] * rng.choice((5, 10, 15)) // 100
            ln["limited_discount_discounted_price"] = promo
            ln["merchant_discounted_price"] += promo
    _coupon_discounts(rng, world, lines)
    if source["commission"] and rng.random() < 0.25:
        fc = rng.choice(world.catalog["finder_coupons"])
        ln = lines[0]
        room = ln["sale_price"] * ln["sku_cnt"] * 6 // 10 - ln["merchant_discounted_price"]
        amount = min(fc["discount_fee"], room)
        if amount > 0:
            ln["order_product_coupon_info_list"].append(
                {
                    "coupon_type": 2,
                    "user_coupon_id": _digits(rng, 14),
                    "coupon_id": fc["coupon_id"],
                    "discounted_price": amount,
                }
            )
            ln["finder_discounted_price"] += amount
    for ln in lines:
        total = ln["sale_price"] * ln["sku_cnt"]
        ln["estimate_price"] = total - ln["merchant_discounted_price"] - ln["finder_discounted_price"]
        ln["real_price"] = ln["estimate_price"]
        ln["is_discounted"] = ln["estimate_price"] < total
    if rng.random() < 0.03:
        ln = lines[0]
        delta = min(rng.choice((100, 200, 500, 1000)), ln["estimate_price"] // 2)
        if delta > 0:
            ln["is_change_price"] = True
            ln["change_price"] = ln["estimate_price"] - delta
            ln["real_price"] = min(ln["estimate_price"], ln["change_price"])
    for i, ln in enumerate(lines):
        ln["product_unique_id"] = f"{order_id}_{i + 1:03d}"

    freight = 0 if virtual or rng.random() < 0.85 else rng.choice((500, 800, 1000, 1200))
    product_price = sum(ln["sale_price"] * ln["sku_cnt"] for ln in lines)
    merchant = sum(ln["merchant_discounted_price"] for ln in lines)
    finder = sum(ln["finder_discounted_price"] for ln in lines)
    estimate = sum(ln["estimate_price"] for ln in lines)
    real = sum(ln["real_price"] for ln in lines)
    price_info = {
        "product_price": product_price,
        "order_price": real + freight,
        "freight": freight,
        "discounted_price": merchant,
        "is_discounted": merchant + finder > 0,
        "original_order_price": product_price + freight,
        "estimate_product_price": estimate,
        "change_down_price": estimate - real,
        "change_freight": 0,
        "is_change_freight": False,
        "use_deduction": False,
        "deduction_price": 0,
        "merchant_receieve_price": product_price + freight - merchant - (estimate - real),
        "merchant_discounted_price": merchant,
        "finder_discounted_price": finder,
        "vip_discounted_price": 0,
        "cash_coupon_discounted_price": 0,
        "bulkbuy_discounted_price": 0,
        "limited_discount_discounted_price": sum(ln["limited_discount_discounted_price"] for ln in lines),
        "national_subsidy_discounted_price": 0,
    }

    address_info = _address_info(buyer["address"], buyer["openid"], virtual=virtual)
    notes = rng.choices(("", "请尽快发货", "不要放快递柜", "送人的，不要放发票"), weights=(85, 7, 5, 3))[0]
    user_coupons = [
        c["user_coupon_id"] for ln in lines for c in ln["order_product_coupon_info_list"] if c["coupon_type"] == 1
    ]
    source_infos = []
    if source["info"]:
        mixed = len(lines) > 1 and rng.random() < 0.1  # the extra lines came from natural traffic
        for i, ln in enumerate(lines):
            if i == 0 or not mixed:
                source_infos.append({"sku_id": ln["sku_id"], **source["info"]})

    detail = {
        "product_infos": lines,
        "pay_info": {"prepay_id": "wx" + _digits(rng, 16) + _hex(rng, 16), "prepay_time": t0},
        "price_info": price_info,
        "delivery_info": {
            "address_info": address_info,
            "delivery_product_info": [],
            "ship_done_time": 0,
            "deliver_method": 1 if virtual else 0,
        },
        "coupon_info": {"user_coupon_id": user_coupons[0] if user_coupons else ""},
        "ext_info": {
            "customer_notes": notes,
            "merchant_notes": "",
            "confirm_receipt_time": 0,
            "finder_id": source["finder_id"],
            "live_id": source["live_id"],
            "order_scene": source["scene"],
            "commission_handling_progress": 0,
        },
        "commission_infos": [],
        # commission_fee, the wecoin commissions and settle_time are absent until the order is settled.
        "settle_info": {"predict_commission_fee": 0},
        "source_infos": source_infos,
        "refund_info": {"refund_freight": 0},
    }
    if source["agent_info"]:
        detail["agent_info"] = source["agent_info"]
    payload = {
        "order_id": order_id,
        "create_time": t0,
        "update_time": t0,
        "status": 10,
        "openid": buyer["openid"],
        "unionid": buyer["unionid"],
        "order_detail": detail,
        "aftersale_detail": {"on_aftersale_order_cnt": 0, "aftersale_order_list": []},
        "is_present": False,
    }
    commissions = _commission_specs(world, source, lines, {s["sku_id"] for s in source_infos}, buyer)
    _anomalies(world, seq, commissions)
    meta = {"lines": line_meta, "commissions": commissions, "aftersale_ids": []}
    _fee_skew(world, seq, meta)
    todo = _plan(rng, seq, t0, lines, line_meta, virtual, bool(commissions))
    if not virtual:
        _address_change(world.base, seq, todo, buyer)
    return OrderRec(seq=seq, order_id=order_id, payload=payload, plan={"meta": meta, "todo": todo}, new=True)


def _address_info(address: dict, openid: str, *, virtual: bool) -> dict:
    """The desensitised AddressInfo order/get shows for a buyer's address."""
    tel = address["tel_number"]
    return {
        **address,
        "user_name": address["user_name"][0] + "*" * (len(address["user_name"]) - 1),
        "detail_info": address["detail_info"][:3] + "***",
        "tel_number": f"{tel[:3]}****{tel[-4:]}",
        "virtual_order_tel_number": f"{tel[:3]}****{tel[-4:]}" if virtual else "",
        "use_tel_number": 0,
        "hash_code": hashlib.sha1(f"{openid}:{address['detail_info']}".encode()).hexdigest()[:32],
    }


def _address_change(base: str, seq: int, todo: list, buyer: dict) -> None:
    """Maybe the buyer asks to change the delivery address between payment and the first shipment; the merchant
    approves (most of the time) or rejects it before shipping. Drawn from a random stream of its own, so no other
    byte of the order changes. UNCONFIRMED: how often buyers ask (ADDRESS_CHANGE_RATE) and what a rejection leaves
    (here: no ``address_under_review`` any more)."""
    pay = next((t for t, action, _ in todo if action == "pay"), None)
    ship = next((t for t, action, _ in todo if action == "ship"), None)
    if pay is None or ship is None or ship - pay < 2 * HOUR:
        return
    rng = random.Random(f"{base}:order:{seq}:address")
    if rng.random() >= ADDRESS_CHANGE_RATE:
        return
    applied = pay + rng.randint(300, (ship - pay) // 2)
    decided = applied + rng.randint(300, ship - 600 - applied)
    region = rng.choice(REGIONS)
    moved = {
        **buyer["address"],
        "province_name": region[0],
        "city_name": region[1],
        "county_name": region[2],
        "national_code": region[3],
        "postal_code": region[4],
        "detail_info": f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2805)}",
    }
    todo.append([applied, "address_apply", {"address": _address_info(moved, buyer["openid"], virtual=False)}])
    todo.append([decided, "address_decide", {"approve": rng.random() < 0.85}])
    todo.sort(key=lambda a: a[0])


def _line(product: dict, sku: dict, cnt: int, *, gift: bool) -> dict:
    return {
        "product_id": product["product_id"],
        "sku_id": sku["sku_id"],
        "thumb_img": sku["thumb_img"],
        "sku_cnt": cnt,
        "sale_price": 0 if gift else sku["sale_price"],
        "market_price": sku["market_price"],
        "title": product["title"],
        "sku_code": sku["sku_code"],
        "sku_attrs": sku["sku_attrs"],
        "on_aftersale_sku_cnt": 0,
        "finish_aftersale_sku_cnt": 0,
        "real_price": 0,
        "estimate_price": 0,
        "is_discounted": False,
        "is_change_price": False,
        "out_product_id": product["out_product_id"],
        "out_sku_id": sku["out_sku_id"],
        "sku_deliver_info": {"stock_type": 0},
        "extra_service": {"seven_day_return": product["extra_service"]["seven_day_return"], "freight_insurance": 0},
        "use_deduction": False,
        "deduction_price": 0,
        "order_product_coupon_info_list": [],
        "delivery_deadline": 0,
        "merchant_discounted_price": 0,
        "finder_discounted_price": 0,
        "vip_discounted_price": 0,
        "limited_discount_discounted_price": 0,
        "is_free_gift": 1 if gift else 0,  # a number on the wire: 1 是赠品
    }


def _commission_specs(world: World, source: dict, lines: list[dict], attributed: set[str], buyer: dict) -> list[dict]:
    """Per attributed, paid-for line: the commission_infos entries (amounts filled at pay) and the agency side."""
    commission = source["commission"]
    if not commission:
        return []
    specs, at = [], 0
    for i, ln in enumerate(lines):
        if ln["is_free_gift"] or ln["sku_id"] not in attributed:
            continue
        entry = {
            "sku_id": ln["sku_id"],
            "nickname": "",
            "type": 0,
            "status": 1,
            "amount": 0,
            "finder_id": "",
            "openfinderid": "",
            "talent_id": "",
            "agency_id": "",
            **commission["entry"],
        }
        if commission["kind"] == "talent":
            entry["nickname"] = commission["nickname"]
            pct = world.product_meta[ln["product_id"]]["league_pct"]
            specs.append(
                {
                    "line": i,
                    "sku_id": ln["sku_id"],
                    "entries": [entry],
                    "ratios": [pct * PPM_PER_PCT],
                    "entries_at": [at],
                    "agency": None,
                    "talent_appid": commission["talent_appid"],
                }
            )
            at += 1
            continue
        agency, promoter = commission["agency"], commission["promoter"]
        ratio, service = agency["items"][ln["product_id"]]
        entry["nickname"] = promoter["info"]["nickname"]
        agency_entry = {
            "sku_id": ln["sku_id"],
            "nickname": agency["name"],
            "type": 1,
            "status": 1,
            "amount": 0,
            "finder_id": "",
            "openfinderid": "",
            "talent_id": "",
            "agency_id": agency["appid"],
        }
        specs.append(
            {
                "line": i,
                "sku_id": ln["sku_id"],
                "entries": [entry, agency_entry],
                "ratios": [ratio, service],
                "entries_at": [at, at + 1],
                "agency": {
                    "appid": agency["appid"],
                    "ratio_ppm": ratio,
                    "service_ratio_ppm": service,
                    "promoter": {
                        "kind": commission["promoter_kind"],
                        "info": promoter["info"],
                        "finder_id": promoter.get("finder_id", ""),
                    },
                    "buyer_open_id": "o"
                    + hashlib.sha1(f"{agency['appid']}:{buyer['openid']}".encode()).hexdigest()[:27],
                },
            }
        )
        at += 2
    return specs


def _anomalies(world: World, seq: int, specs: list[dict]) -> None:
    """The platform's deliberate mistakes on this order (sandbox.lifecycle, ``skew``): each commission party is paid
    wrongly with probability miscompute_permille / 1000 (a few fen off, or the ratio applied to the price before
    discounts), and a 推客's agency line is bought by the 推客 themself (buyer_info.open_id = their opensharerid)
    with probability self_referral_permille / 1000. From a random stream of its own: no other byte changes."""
    if not (world.miscompute_permille or world.self_referral_permille):
        return
    rng = random.Random(f"{world.base}:order:{seq}:anomalies")
    for spec in specs:
        skew = {}
        for index in range(len(spec["entries"])):
            wrong, kind, fen = rng.randrange(1000), rng.random(), rng.choice((-3, -2, -1, 1, 2, 3, 5))
            if wrong < world.miscompute_permille:
                skew[str(index)] = {"kind": "base"} if kind < 0.3 else {"kind": "offset", "fen": fen}
        if skew:
            spec["skew"] = skew
        agency, self_referral = spec.get("agency"), rng.randrange(1000)
        if agency and agency["promoter"]["kind"] == "sharer" and self_referral < world.self_referral_permille:
            agency["buyer_open_id"] = agency["promoter"]["info"]["opensharerid"]
            spec["self_referral"] = True


def _fee_skew(world: World, seq: int, meta: dict) -> None:
    """With probability fee_mismatch_permille / 1000 the platform charges this order's fee wrongly at settlement
    (sandbox.lifecycle.fee_mistake: a due 私域激励 reduction missing or a few fen off, or one granted when none is
    due). From a random stream of its own: no other byte changes, and nothing at all without the option."""
    if not world.fee_mismatch_permille:
        return
    rng = random.Random(f"{world.base}:order:{seq}:fee")
    wrong, u, fen = rng.randrange(1000), rng.random(), rng.choice((1, 2, 3, 5, 8))
    if wrong < world.fee_mismatch_permille:
        meta["fee_skew"] = {"u": u, "fen": fen}


def _plan(rng, seq, t0, lines, line_meta, virtual, has_commission) -> list:
    """Everything that will happen to the order, decided now. See the module docstring of sandbox.lifecycle."""
    todo = [[t0, "create", {}]]
    if rng.random() < 0.08:
        if rng.random() < 0.6:
            todo.append([t0 + rng.randint(30, UNPAID_TIMEOUT - 60), "cancel", {"cancel_type": 1}])
        else:
            todo.append([t0 + UNPAID_TIMEOUT, "cancel", {"cancel_type": 2}])
        return todo
    tp = t0 + min(UNPAID_TIMEOUT - 60, max(5, int(rng.lognormvariate(4.0, 1.0))))
    todo.append(
        [tp, "pay", {"transaction_id": "4200" + _digits(rng, 24), "method": rng.choices((1, 2), weights=(92, 8))[0]}]
    )
    main = [i for i, m in enumerate(line_meta) if not m["gift"]]
    gifts = [i for i, m in enumerate(line_meta) if m["gift"]]
    counter = iter(range(1, 100))

    def open_(t, i, type_, count, amount, reason, desc, receive):
        aid = aftersale_id_for(seq, next(counter))
        todo.append(
            [
                t,
                "as_open",
                {
                    "id": aid,
                    "line": i,
                    "type": type_,
                    "count": count,
                    "amount": amount,
                    "reason": reason,
                    "desc": desc,
                    "receive_product": receive,
                },
            ]
        )
        return aid

    lapses = {}  # line → the plan step that ends its merchant-rejected after-sale when the window lapses

    def reject(t, aid, i, status, reject_reason):
        todo.append([t, "as_status", {"id": aid, "line": i, "status": status, "reject_reason": reject_reason}])
        lapses[i] = [t + REJECT_APPEAL_WINDOW, "as_status", {"id": aid, "line": i, "status": REJECT_LAPSED_STATUS}]
        todo.append(lapses[i])

    def reapply(t, i):
        """The buyer applies again for a line whose rejected after-sale is still open: it ends now, cancelled."""
        lapse = lapses.pop(i, None)
        if lapse and lapse[0] > t:
            lapse[0] = t

    refunded_full, resolved = set(), tp
    if rng.random() < 0.06:  # refund before shipping
        targets = main if len(main) == 1 or rng.random() < 0.5 else [rng.choice(main)]
        for i in targets:
            ta = tp + rng.randint(600, 6 * HOUR)
            reason, desc = rng.choice(
                (
                    ("NO_LONGER_WANT", "不想要了"),
                    ("INCORRECT_SELECTION", "拍错/多拍"),
                    ("OTHERS", "地址填写错误"),
                    ("OTHERS", "商家发货慢"),
                )
            )
            aid = open_(ta, i, "REFUND", lines[i]["sku_cnt"], lines[i]["real_price"], reason, desc, False)
            tr, u = ta + rng.randint(600, 12 * HOUR), rng.random()
            if u < 0.8:
                todo.append([tr, "as_refund", {"id": aid, "line": i, "status": "MERCHANT_REFUND_SUCCESS"}])
                refunded_full.add(i)
            elif u < 0.9:
                todo.append([tr, "as_status", {"id": aid, "line": i, "status": "USER_CANCELD"}])
            else:
                reject(tr, aid, i, "MERCHANT_REJECT_REFUND", "商品已打包，无法拦截")
            resolved = max(resolved, tr)
    remaining = [i for i in main if i not in refunded_full]
    if not remaining:
        todo.sort(key=lambda a: a[0])
        return todo

    # Shipping, partial then full for some multi-line orders; gifts travel with the first parcel.
    t = max(tp + (rng.randint(60, 600) if virtual else rng.randint(2 * HOUR, 48 * HOUR)), resolved + 600)
    groups = [remaining]
    if len(remaining) >= 2 and rng.random() < 0.35:
        k = rng.randint(1, len(remaining) - 1)
        groups = [remaining[:k], remaining[k:]]
    groups[0] = groups[0] + gifts
    for g, group in enumerate(groups):
        code, name, prefix, width = COMPANIES[rng.randrange(len(COMPANIES))]
        args = {"lines": group, "final": g == len(groups) - 1}
        if virtual:
            args.update(delivery_id="", delivery_name="", waybill_id="", deliver_type=3)
        else:
            args.update(delivery_id=code, delivery_name=name, waybill_id=prefix + _digits(rng, width), deliver_type=1)
        todo.append([t, "ship", args])
        if g < len(groups) - 1:
            t += rng.randint(4 * HOUR, 48 * HOUR)
    t_ship = resolution = t

    cancelled = False
    if not virtual and rng.random() < 0.08:  # after-sale once the parcel arrived
        i = rng.choice(remaining)
        cnt, real = lines[i]["sku_cnt"], lines[i]["real_price"]
        ta = t_ship + rng.randint(DAY, 5 * DAY)
        reapply(ta, i)
        if rng.random() < 0.5:
            count = cnt if cnt == 1 or rng.random() < 0.5 else rng.randint(1, cnt - 1)
            amount = real if count == cnt else real * count // cnt
            reason, desc = rng.choice(
                (
                    ("NO_REASON_7_DAYS", "尺码不合适"),
                    ("QUALITY_ISSUE", "质量问题"),
                    ("NOT_MATCH_PRODUCT_DESC", "与描述不符"),
                    ("NO_LONGER_WANT", "不喜欢/效果不好"),
                )
            )
            aid = open_(ta, i, "RETURN", count, amount, reason, desc, True)
            u, t1 = rng.random(), ta + rng.randint(HOUR, DAY)
            if u < 0.1:
                reject(t1, aid, i, "MERCHANT_REJECT_RETURN", "商品已影响二次销售")
                resolution = t1
            elif u < 0.15:
                todo.append([t1, "as_status", {"id": aid, "line": i, "status": "USER_CANCELD"}])
                resolution = t1
            else:
                code, name, prefix, width = COMPANIES[rng.randrange(len(COMPANIES))]
                t2 = t1 + rng.randint(12 * HOUR, 3 * DAY)
                t3 = t2 + rng.randint(12 * HOUR, 3 * DAY)
                todo.append([t1, "as_status", {"id": aid, "line": i, "status": "USER_WAIT_RETURN"}])
                todo.append(
                    [
                        t2,
                        "as_status",
                        {
                            "id": aid,
                            "line": i,
                            "status": "MERCHANT_WAIT_RECEIPT",
                            "return_info": {
                                "delivery_id": code,
                                "delivery_name": name,
                                "waybill_id": prefix + _digits(rng, width),
                            },
                        },
                    ]
                )
                todo.append([t3, "as_refund", {"id": aid, "line": i, "status": "MERCHANT_RETURN_SUCCESS"}])
                resolution = t3
                if count == cnt and remaining == [i]:
                    cancelled = True
        else:
            amount = max(1, real * rng.randint(20, 80) // 100)
            reason, desc = rng.choice(
                (("OTHERS", "少件/漏发"), ("QUALITY_ISSUE", "商品破损"), ("QUALITY_ISSUE", "质量问题"))
            )
            aid = open_(ta, i, "REFUND", 1, amount, reason, desc, True)
            u, t1 = rng.random(), ta + rng.randint(HOUR, 36 * HOUR)
            if u < 0.85:
                todo.append([t1, "as_refund", {"id": aid, "line": i, "status": "MERCHANT_REFUND_SUCCESS"}])
            elif u < 0.95:
                reject(t1, aid, i, "MERCHANT_REJECT_REFUND", "请提供破损照片")
            else:
                todo.append([t1, "as_status", {"id": aid, "line": i, "status": "USER_CANCELD"}])
            resolution = t1

    if not cancelled:
        if rng.random() < 0.55:
            tc, confirm_type = t_ship + rng.randint(DAY, 6 * DAY), 1
        else:
            tc, confirm_type = t_ship + AUTO_CONFIRM, 2
        if resolution > t_ship:
            tc = max(tc, resolution + rng.randint(HOUR, 2 * DAY))
        todo.append([tc, "confirm", {"confirm_type": confirm_type}])
        # Never while an after-sale is open (正在售后, a merchant's rejection included): settlement 1–3 days after
        # receipt or after the last after-sale ended, whichever is later (UNCONFIRMED: the delay); commissions are
        # paid out within hours of it.
        over = max(
            (step[0] for step in todo if step[1].startswith("as_") and step[2].get("status") in AFTERSALE_FINAL),
            default=tc,
        )
        ts = max(tc, over) + rng.randint(DAY, 3 * DAY)
        todo.append([ts, "settle", {}])
        if has_commission:
            todo.append([ts + rng.randint(600, 6 * HOUR), "commission_settle", {}])
    todo.sort(key=lambda a: a[0])
    return todo


# --- whole datasets --------------------------------------------------------------------------------------------


# What sandbox.gen_luckybag builds its lottery orders with (it sits below this module and cannot import it).
LUCKYBAG_MAKERS = {"line": _line, "address": _address_info, "order_id": order_id_for, "digits": _digits}


def order_times(base: str, orders: int, days: int, anchor: int) -> list[int]:
    """``orders`` creation times in (anchor − days, anchor], following the daily rhythm, sorted."""
    rng = random.Random(f"{base}:times")
    span, times = days * DAY, []
    while len(times) < orders:
        t = anchor - rng.randrange(span)
        if rng.random() * DIURNAL_MAX < DIURNAL[local_hour(t)]:
            times.append(t)
    return sorted(times)


def hour_arrivals(base: str, hour: int, daily_rate: float) -> list[int]:
    """Order creation times inside absolute hour ``hour`` (unix // 3600) at ``daily_rate`` orders per day."""
    rng = random.Random(f"{base}:hour:{hour}")
    lam = daily_rate / 24 * DIURNAL[local_hour(hour * HOUR)] / DIURNAL_MEAN
    if lam <= 0:
        return []
    if lam < 40:  # Knuth
        n, p, limit = 0, rng.random(), math.exp(-lam)
        while p > limit:
            n += 1
            p *= rng.random()
    else:
        n = max(0, round(rng.gauss(lam, lam**0.5)))
    return sorted(hour * HOUR + rng.randrange(HOUR) for _ in range(n))


@dataclass
class Dataset:
    """Everything ``sandbox_seed`` writes for one shop, built in memory (see sandbox.services.shop_seed)."""

    shop: dict
    agencies: list[dict]
    products: list[dict]
    buyers: list[dict]
    linked: list[dict]
    agency_items: list[dict]
    catalog: dict
    world: World
    sim: Simulation
    league: dict  # {"plans": [plan + "terms"], "talents": [talent]} (see build_league)


def generate(
    *,
    appid: str,
    seed: int,
    days: int,
    orders: int,
    anchor: int,
    agencies: int = 2,
    name: str = "",
    secret: str = "",
    push_token: str = "",
    encoding_aes_key: str = "",
    first_agency: dict | None = None,
    miscompute_permille: int = 0,
    self_referral_permille: int = 0,
    fee_mismatch_permille: int = 0,
) -> Dataset:
    """Build a shop's data: ``orders`` orders over ``days`` days ending at ``anchor``, their lifecycle applied up
    to ``anchor`` (no push events), and ``agencies`` agencies cooperating with the shop. ``first_agency``
    (``name``, ``appid``, ``secret``; blank values keep the generated ones) names the first agency and gives it
    credentials chosen by the caller, the way ``secret`` does for the shop. The 优选联盟 plans (``build_league``)
    start before the oldest order, so every payment is charged with them; ``miscompute_permille`` and
    ``self_referral_permille`` set how many deliberate mistakes the orders carry (``_anomalies``; none by default),
    ``fee_mismatch_permille`` how many settled orders are charged a wrong fee (``_fee_skew``; none by default)."""
    base = rng_base(appid, seed)
    creds = credentials_for(appid, seed)
    name = name or f"沙盒小店{appid[-4:]}"
    shop = {
        "appid": appid,
        "secret": secret or creds["secret"],
        "push_token": push_token or creds["push_token"],
        "encoding_aes_key": encoding_aes_key or creds["encoding_aes_key"],
        "username": creds["username"],
        "name": name,
        "headimg_url": f"https://wx.qlogo.cn/mmhead/{hashlib.sha1(base.encode()).hexdigest()}/0",
        "open_timestamp": anchor - 400 * DAY,
        "clock": anchor,
        "seed": seed,
        "daily_order_rate": orders / days,
        "order_seq": orders,
        "miscompute_permille": miscompute_permille,
        "self_referral_permille": self_referral_permille,
        "fee_mismatch_permille": fee_mismatch_permille,
    }
    # The last of three or more agencies has only been invited (status 1): it sells nothing yet.
    specs = [agency_spec(seed, i) for i in range(agencies)]
    for i, spec in enumerate(specs):
        spec["accepted"] = not (agencies >= 3 and i == agencies - 1)
    if specs and first_agency:
        specs[0].update({key: first_agency[key] for key in ("name", "appid", "secret") if first_agency.get(key)})
    products, meta, buyers, catalog, linked, agency_items = build_catalog(
        appid=appid, seed=seed, orders=orders, anchor=anchor, name=name, agencies=specs
    )
    world = world_from(
        shop=ShopInfo(appid, creds["username"], name),
        base=base,
        products=[p["payload"] for p in products if p["payload"]],
        product_meta=meta,
        buyers=buyers,
        catalog=catalog,
        agencies=[s for s in specs if s["accepted"]],
        agency_items=agency_items,
        miscompute_permille=miscompute_permille,
        self_referral_permille=self_referral_permille,
        fee_mismatch_permille=fee_mismatch_permille,
    )
    accepted = {s["appid"] for s in specs if s["accepted"]}
    league = build_league(
        base=base,
        start=anchor - max(60, days + 1) * DAY,
        product_meta=meta,
        talents=catalog["talents"],
        agency_items=[item for item in agency_items if item["agency"] in accepted],
    )
    sim = Simulation(shop=world.shop, emit=False, plans=PlanBook.of(plan_terms_rows(league["plans"])))
    for seq, t0 in enumerate(order_times(base, orders, days, anchor)):
        sim.add(make_order(world, seq, t0))
    luckybags_add(world=world, sim=sim, products=products, meta=meta, make=LUCKYBAG_MAKERS)
    sim.run_until(anchor)
    return Dataset(
        shop=shop,
        agencies=specs,
        products=products,
        buyers=buyers,
        linked=linked,
        agency_items=agency_items,
        catalog=catalog,
        world=world,
        sim=sim,
        league=league,
    )


def world_from(
    *,
    shop,
    base,
    products,
    product_meta,
    buyers,
    catalog,
    agencies,
    agency_items,
    miscompute_permille=0,
    self_referral_permille=0,
    fee_mismatch_permille=0,
) -> World:
    items: dict[str, dict] = {a["appid"]: {} for a in agencies}
    for item in agency_items:
        if item["agency"] in items:
            items[item["agency"]][item["product_id"]] = [item["ratio_ppm"], item["service_ratio_ppm"]]
    return World(
        shop=shop,
        base=base,
        products={p["product_id"]: p for p in products},
        product_meta=product_meta,
        buyers=buyers,
        catalog=catalog,
        agencies=[{**a, "items": items[a["appid"]]} for a in agencies if items[a["appid"]]],
        miscompute_permille=miscompute_permille,
        self_referral_permille=self_referral_permille,
        fee_mismatch_permille=fee_mismatch_permille,
    )


# --- 优选联盟 plans and talents ------------------------------------------------------------------------------------

# The seeded talents' standing with the shop, by position in catalog["talents"]: mostly cooperating (2), one whose
# invitation the shop withdrew (4), one who declined (3), one whose cooperation ended and who is blacklisted (5).
# None is left invited (1): a pending invitation starts from league/promoter/add.
TALENT_STATUSES = (2, 2, 2, 2, 2, 4, 3, 5)


def build_league(*, base: str, start: int, product_meta: dict, talents: list[dict], agency_items: list[dict]):
    """The shop's 优选联盟 at ``start`` (before the oldest order): a listed, open-ended 普通 plan (type 1) for every
    product with a league ratio (``league_pct``), an agency plan for every item of an accepted agency, each with
    one terms row from ``start``; and its talents (catalog["talents"], statuses TALENT_STATUSES). No 定向/专属
    plans: those come from the league API, so the seeded commissions are the generation's ratios."""
    rng = random.Random(f"{base}:league")
    plans = []

    def plan(type_: int, product_id: str, ratio_pct: int, agency: str = "", service_ratio_pct: int = 0) -> None:
        plans.append(
            {
                "plan_id": _digits(rng, 16),
                "type": type_,
                "product_id": product_id,
                "agency": agency,
                "status": 1,
                "ratio_pct": ratio_pct,
                "service_ratio_pct": service_ratio_pct,
                "commission_type": 0,
                "talents": [],
                "begin_time": start,
                "end_time": None,
                "create_time": start,
                "update_time": start,
            }
        )

    for product_id, meta in product_meta.items():
        if meta["league_pct"]:
            plan(1, product_id, meta["league_pct"])
    for item in agency_items:
        plan(
            AGENCY_PLAN,
            item["product_id"],
            item["ratio_ppm"] // PPM_PER_PCT,
            agency=item["agency"],
            service_ratio_pct=item["service_ratio_ppm"] // PPM_PER_PCT,
        )
    for p in plans:
        p["terms"] = [
            {
                "ratio_pct": p["ratio_pct"],
                "service_ratio_pct": p["service_ratio_pct"],
                "talents": [],
                "listed": True,
                "begin_time": start,
                "end_time": None,
                "valid_from": start,
                "valid_to": None,
            }
        ]
    shop_talents = []
    for i, talent in enumerate(talents):
        invited = start - rng.randint(1, 90) * DAY
        shop_talents.append(
            {
                "talent_appid": talent["talent_id"],
                "finder_id": talent["finder_id"],
                "nickname": talent["nickname"],
                "head_img": f"https://wx.qlogo.cn/finderhead/{_hex(rng, 24)}/0",
                "level": rng.randint(1, 5),
                "status": TALENT_STATUSES[i % len(TALENT_STATUSES)],
                "is_blacklisted": i % len(TALENT_STATUSES) == 7,
                "invite_time": invited,
                "update_time": invited + rng.randint(HOUR, 3 * DAY),
            }
        )
    return {"plans": plans, "talents": shop_talents}


def plan_terms_rows(plans: list[dict]) -> list[dict]:
    """PlanBook rows (sandbox.lifecycle) from plans that carry their ``terms``."""
    return [
        {
            "plan_id": p["plan_id"],
            "type": p["type"],
            "product_id": p["product_id"],
            "agency": p["agency"],
            **terms,
        }
        for p in plans
        for terms in p["terms"]
    ]
