"""The seeded shop's coupons as platform objects, and the buyers' coupons that its orders use.

The generator (sandbox.generator.build_catalog) names eight coupons in ``catalog["coupons"]`` and puts their
``coupon_id`` and a ``user_coupon_id`` on the orders that use one (``order_product_coupon_info_list``, coupon_type
1). ``coupons_follow_orders`` runs after every write of orders (sandbox.services._persist, seeding and advancing):

- the first time, it creates the eight coupons (status 2 生效, every one of the eight types; stock 50 000, five per
  buyer, received from 120 days before the shop clock to 60 days after; even types valid 30 days after receipt,
  odd ones in a fixed window);
- every coupon an order uses becomes the buyer's UserCoupon, received shortly before the order and used by it
  (status 102, ``order_id``, ``discount_fee`` = the order's discount from it); an order cancelled before payment
  (status 250 without pay_time) gives it back (status 100);
- buyers also receive coupons they do not use: while seeding, half as many again as were used (and three more)
  per coupon; while advancing, one in five new orders' buyers picks up one more coupon;
- stock figures (receive_num, used_num) follow, and while advancing (``sim.emit``) the platform's events join the
  simulation's own (recorded and pushed with them, in time order):
  ``channels_ec_coupon_receive {receive_info{coupon_id, user_coupon_id, receive_time}}`` (strings, as the official
  page shows), ``channels_ec_user_coupon_use`` and ``…_unuse`` with ``user_info{coupon_id, user_coupon_id,
  use_time|unuse_time, order_id}`` (wrapper name as WxJava's UserCouponUseMessage; the official one is UNCONFIRMED).

Deterministic: every random choice comes from a Random seeded with the shop's appid, seed and the order id.
"""

import random

from django.db.models import F

from sandbox.lifecycle import Emitted, Simulation
from sandbox.models import Account, Buyer, Coupon, UserCoupon

DAY, HOUR = 86400, 3600
TOTAL_NUM, LIMIT_ONE_PERSON, VALID_DAYS = 50_000, 5, 30
EXTRA_RECEIPT_RATE = 0.2


def _coupon_info(spec: dict, start: int, end: int, index: int) -> dict:
    condition = {}
    if spec.get("product_id"):
        condition["product_ids"] = [spec["product_id"]]
    for key in ("product_cnt", "product_price"):
        if spec.get(key):
            condition[key] = spec[key]
    discount = {key: spec[key] for key in ("discount_num", "discount_fee") if spec.get(key)}
    if condition:
        discount["discount_condition"] = condition
    valid = (
        {"valid_type": 2, "valid_day_num": VALID_DAYS}
        if index % 2 == 0
        else {"valid_type": 1, "start_time": start, "end_time": end + VALID_DAYS * DAY}
    )
    return {
        "name": spec["name"],
        "promote_info": {"promote_type": 1},
        "discount_info": discount,
        "receive_info": {
            "start_time": start,
            "end_time": end,
            "limit_num_one_person": LIMIT_ONE_PERSON,
            "total_num": TOTAL_NUM,
        },
        "valid_info": valid,
        "ext_info": {"jump_product_id": spec["product_id"]} if spec.get("product_id") else {},
        "auto_valid_info": {"auto_valid_type": 0},
    }


def _catalog_coupons(shop: Account) -> dict[str, Coupon]:
    existing = {c.coupon_id: c for c in Coupon.objects.filter(shop=shop)}
    specs = [s for s in shop.catalog.get("coupons", []) if s["coupon_id"] not in existing]
    if specs:
        start, end = shop.clock - 120 * DAY, shop.clock + 60 * DAY
        created = Coupon.objects.bulk_create(
            [
                Coupon(
                    shop=shop,
                    coupon_id=spec["coupon_id"],
                    type=spec["type"],
                    status=2,
                    create_time=start,
                    update_time=start,
                    coupon_info=_coupon_info(spec, start, end, i),
                    total_num=TOTAL_NUM,
                )
                for i, spec in enumerate(specs)
            ]
        )
        existing.update({c.coupon_id: c for c in created})
    return existing


def _validity(coupon: Coupon, received: int) -> tuple[int, int]:
    valid = coupon.coupon_info["valid_info"]
    if valid["valid_type"] == 2:
        return received, received + valid["valid_day_num"] * DAY
    return valid["start_time"], valid["end_time"]


def _new_user_coupon(shop, coupon, user_coupon_id, openid, unionid, received) -> UserCoupon:
    start, end = _validity(coupon, received)
    return UserCoupon(
        shop=shop,
        coupon=coupon,
        user_coupon_id=user_coupon_id,
        openid=openid,
        unionid=unionid,
        status=100,
        create_time=received,
        update_time=received,
        start_time=start,
        end_time=end,
    )


def coupons_follow_orders(shop: Account, sim: Simulation) -> None:
    """Create the catalog's coupons (once), the user coupons the written orders use or gave back, and the
    receipts they imply; move the stock figures; emit the events when the simulation does."""
    if not shop.catalog.get("coupons"):
        return
    seeding = not Coupon.objects.filter(shop=shop).exists()
    coupons = _catalog_coupons(shop)
    touched = [sim.orders[o] for o in sorted(sim.dirty_orders | {o.order_id for o in sim.orders.values() if o.new})]
    uses: dict[str, dict] = {}
    for rec in touched:
        for line in rec.payload["order_detail"]["product_infos"]:
            for c in line.get("order_product_coupon_info_list") or []:
                if c.get("coupon_type") != 1 or c["coupon_id"] not in coupons:
                    continue
                use = uses.setdefault(c["user_coupon_id"], {"coupon_id": c["coupon_id"], "fee": 0, "rec": rec})
                use["fee"] += c["discounted_price"]
    known = {u.user_coupon_id: u for u in UserCoupon.objects.filter(shop=shop, user_coupon_id__in=list(uses))}
    openids = {use["rec"].payload["openid"] for use in uses.values()}
    buyers = list(Buyer.objects.filter(shop=shop).order_by("pk").values_list("openid", "unionid"))
    unionids = dict(buyers) if seeding or len(openids) > 50 else dict(b for b in buyers if b[0] in openids)
    events: list[Emitted] = []
    new_rows, changed = [], []
    received, used = dict.fromkeys(coupons, 0), dict.fromkeys(coupons, 0)

    def event(when, name, openid, body):
        events.append(Emitted(shop.appid, when, name, openid, body))

    for user_coupon_id, use in uses.items():
        rec, coupon = use["rec"], coupons[use["coupon_id"]]
        payload = rec.payload
        cancelled = payload["status"] == 250 and not payload["order_detail"].get("pay_info", {}).get("pay_time")
        row = known.get(user_coupon_id)
        before = (row.status, row.order_id) if row else None
        if row is None:
            # While advancing, the buyer receives it as the order is placed (its events stay within the interval
            # played and in time order); history gets an earlier receipt.
            rng = random.Random(f"{shop.appid}:{shop.seed}:user-coupon:{user_coupon_id}")
            got = payload["create_time"] - (0 if sim.emit else rng.randint(10 * 60, 2 * DAY))
            row = _new_user_coupon(
                shop, coupon, user_coupon_id, payload["openid"], unionids.get(payload["openid"], ""), got
            )
            new_rows.append(row)
            received[coupon.coupon_id] += 1
            event(got, "channels_ec_coupon_receive", row.openid, _receive_body(row, coupon))
        if row.status != 102 and not cancelled and not row.order_id:
            row.status, row.use_time, row.order_id = 102, payload["create_time"], rec.order_id
            row.update_time, row.discount_fee = payload["create_time"], use["fee"]
            used[coupon.coupon_id] += 1
            event(row.use_time, "channels_ec_user_coupon_use", row.openid, _use_body(row, coupon, "use_time"))
        elif row.status == 102 and cancelled:
            row.status, row.use_time, row.order_id, row.update_time = 100, None, "", payload["update_time"]
            used[coupon.coupon_id] -= 1
            event(row.update_time, "channels_ec_user_coupon_unuse", row.openid, _use_body(row, coupon, "unuse_time"))
        if row.pk and before != (row.status, row.order_id):
            changed.append(row)

    extra = _extra_receipts(shop, coupons, touched, buyers, uses, seeding)
    for row in extra:
        received[row.coupon.coupon_id] += 1
        event(row.create_time, "channels_ec_coupon_receive", row.openid, _receive_body(row, row.coupon))
    UserCoupon.objects.bulk_create(new_rows + extra, batch_size=1000)
    UserCoupon.objects.bulk_update(changed, ["status", "use_time", "order_id", "update_time", "discount_fee"])
    for coupon_id, coupon in coupons.items():
        if received[coupon_id] or used[coupon_id]:
            Coupon.objects.filter(pk=coupon.pk).update(
                receive_num=F("receive_num") + received[coupon_id], used_num=F("used_num") + used[coupon_id]
            )
    if sim.emit and events:
        # Recorded with the orders' own events, in time order (a stable sort: an order's event comes first).
        sim.events.extend(events)
        sim.events.sort(key=lambda e: e.create_time)


def _receive_body(row: UserCoupon, coupon: Coupon) -> dict:
    return {
        "receive_info": {
            "coupon_id": coupon.coupon_id,
            "user_coupon_id": row.user_coupon_id,
            "receive_time": str(row.create_time),
        }
    }


def _use_body(row: UserCoupon, coupon: Coupon, key: str) -> dict:
    order_id = row.order_id
    return {
        "user_info": {
            "coupon_id": coupon.coupon_id,
            "user_coupon_id": row.user_coupon_id,
            key: str(row.update_time),
            **({"order_id": order_id} if order_id else {}),
        }
    }


def _extra_receipts(shop, coupons, touched, buyers, uses, seeding) -> list[UserCoupon]:
    """Coupons buyers receive and have not used (yet)."""
    if not buyers:
        return []
    active = [c for _, c in sorted(coupons.items()) if c.status == 2]
    if not active:
        return []
    rows = []
    if seeding:
        rng = random.Random(f"{shop.appid}:{shop.seed}:coupon-receipts")
        per_coupon = {c.coupon_id: 3 for c in active}
        for use in uses.values():
            per_coupon[use["coupon_id"]] = per_coupon.get(use["coupon_id"], 3) + 1
        for coupon in active:
            start = coupon.coupon_info["receive_info"]["start_time"]
            for n in range(per_coupon[coupon.coupon_id] // 2 + 3):
                openid, unionid = rng.choice(buyers)
                got = rng.randint(start, shop.clock)
                uid = f"8{coupon.coupon_id[-6:]}{n:07d}"
                rows.append(_new_user_coupon(shop, coupon, uid, openid, unionid, got))
        return rows
    unionids = dict(buyers)
    for rec in touched:
        if not rec.new:
            continue
        rng = random.Random(f"{shop.appid}:{shop.seed}:coupon-receipt:{rec.order_id}")
        if rng.random() >= EXTRA_RECEIPT_RATE:
            continue
        coupon = rng.choice(active)
        openid = rec.payload["openid"]
        uid = "7" + rec.order_id[-13:].rjust(13, "0")
        rows.append(_new_user_coupon(shop, coupon, uid, openid, unionids.get(openid, ""), rec.payload["create_time"]))
    return rows
