"""Writes to the platform's state: seeding a shop, advancing its clock, deciding invitations.

The management commands and the admin are thin wrappers around these.
"""

import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction

from sandbox import crypto
from sandbox.clock import HOUR, platform_now
from sandbox.gen_coupons import coupons_follow_orders
from sandbox.generator import Dataset, World, generate, hour_arrivals, make_order, rng_base, world_from
from sandbox.invitations import HANDLERS, KIND_HEADSUPPLIER
from sandbox.lifecycle import CommissionRec, OrderRec, PlanBook, ShopInfo, Simulation
from sandbox.models import (
    Account,
    AfterSale,
    AgencyItem,
    Buyer,
    CommissionAnomaly,
    CommissionOrder,
    Cooperation,
    Coupon,
    Invitation,
    LeaguePlan,
    LeaguePlanTerms,
    LeagueSale,
    LeagueTalent,
    LinkedAccount,
    Order,
    Product,
    PushAttempt,
    PushDelivery,
    PushEvent,
    UserCoupon,
)
from sandbox.push import deliver_due, events_record

BATCH = 1000


@dataclass
class SeedResult:
    shop: Account
    agencies: list[Account]
    orders: int
    aftersales: int
    commission_orders: int
    products: int
    buyers: int
    seconds: float


def shop_seed(
    *,
    appid: str,
    seed: int = 1,
    days: int = 7,
    orders: int = 2000,
    agencies: int = 2,
    anchor: int | None = None,
    name: str = "",
    secret: str = "",
    push_token: str = "",
    encoding_aes_key: str = "",
    callback_url: str | None = None,
    agency_callback_url: str | None = None,
    first_agency: dict | None = None,
    miscompute_permille: int = 0,
    self_referral_permille: int = 0,
    fee_mismatch_permille: int = 0,
) -> SeedResult:
    """Create or replace a sandbox shop and all its data (see sandbox.generator).

    The data ends at ``anchor``: by default the shop's current clock, or the real time for a new shop. Running it
    again with the same arguments (and clock) produces byte-identical payloads. Agencies are shared by every
    shop seeded with the same seed; their credentials are (re)written, their other shops' data is kept.
    ``first_agency`` ({name, appid, secret}) gives the first agency a name and credentials of the caller's choosing.
    ``miscompute_permille`` / ``self_referral_permille`` (0–1000, kept on the account for sandbox_advance) seed the
    deliberate commission mistakes recorded in CommissionAnomaly; ``fee_mismatch_permille`` (0–1000, kept too) the
    settled orders charged a wrong 私域激励 fee reduction (CommissionAnomaly kind "fee", selectors.fee_anomalies).
    The 优选联盟 is enabled and holds the seeded plans and talents (sandbox.generator.build_league).
    Refuses (ValueError) bad sizes, an appid that belongs to an agency, and a malformed EncodingAESKey.
    """
    started = time.perf_counter()
    if not appid or len(appid) > 32:
        raise ValueError("appid must be 1 to 32 characters")
    if days < 1 or orders < 0 or agencies < 0:
        raise ValueError("days must be >= 1, orders and agencies >= 0")
    if not all(0 <= p <= 1000 for p in (miscompute_permille, self_referral_permille, fee_mismatch_permille)):
        raise ValueError("miscompute, self-referral and fee mismatch rates are per mille: 0 to 1000")
    if first_agency and len(first_agency.get("appid") or "") > 32:
        raise ValueError("the first agency's appid must be at most 32 characters")
    if encoding_aes_key:
        crypto.aes_key(encoding_aes_key)
    existing = Account.objects.filter(appid=appid).first()
    if existing is not None and existing.kind != Account.Kind.SHOP:
        raise ValueError(f"{appid} is an agency, not a shop")
    if anchor is None:
        anchor = existing.clock if existing is not None and existing.clock is not None else int(platform_now())
    data = generate(
        appid=appid,
        seed=seed,
        days=days,
        orders=orders,
        anchor=anchor,
        agencies=agencies,
        name=name,
        secret=secret,
        push_token=push_token,
        encoding_aes_key=encoding_aes_key,
        first_agency=first_agency,
        miscompute_permille=miscompute_permille,
        self_referral_permille=self_referral_permille,
        fee_mismatch_permille=fee_mismatch_permille,
    )
    with transaction.atomic():
        shop = existing or Account(appid=appid, kind=Account.Kind.SHOP)
        for key, value in data.shop.items():
            setattr(shop, key, value)
        shop.aftersale_seq = len(data.sim.aftersales)
        shop.catalog = data.catalog
        shop.league_enabled = True
        if callback_url is not None:
            shop.callback_url = callback_url
        shop.save()
        _wipe(shop)
        agency_accounts = _write_agencies(shop, data, anchor, agency_callback_url)
        _write_catalog(shop, data, agency_accounts, anchor)
        _write_league(shop, data.league, {a.appid: a for a in agency_accounts})
        _persist(shop, data.sim, {a.appid: a for a in agency_accounts})
    return SeedResult(
        shop=shop,
        agencies=agency_accounts,
        orders=len(data.sim.orders),
        aftersales=len(data.sim.aftersales),
        commission_orders=len(data.sim.commissions),
        products=len(data.products),
        buyers=len(data.buyers),
        seconds=time.perf_counter() - started,
    )


def _wipe(shop: Account) -> None:
    for model in (UserCoupon, Coupon, Order, AfterSale, Product, Buyer, LinkedAccount, LeagueTalent, LeagueSale):
        model.objects.filter(shop=shop).delete()
    CommissionAnomaly.objects.filter(shop=shop).delete()
    LeaguePlanTerms.objects.filter(plan__shop=shop).delete()
    LeaguePlan.objects.filter(shop=shop).delete()
    CommissionOrder.objects.filter(shop=shop).delete()
    AgencyItem.objects.filter(shop=shop).delete()
    Cooperation.objects.filter(shop=shop).delete()
    Invitation.objects.filter(account=shop).delete()
    # Tens of thousands of events after long advances: plain SQL instead of the ORM's collect-then-delete.
    attempt, delivery, event = (
        connection.ops.quote_name(m._meta.db_table) for m in (PushAttempt, PushDelivery, PushEvent)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {attempt} WHERE delivery_id IN (SELECT d.id FROM {delivery} d JOIN {event} e "
            f"ON d.event_id = e.id WHERE e.account_id = %s)",
            [shop.pk],
        )
        cursor.execute(
            f"DELETE FROM {delivery} WHERE event_id IN (SELECT id FROM {event} WHERE account_id = %s)", [shop.pk]
        )
        cursor.execute(f"DELETE FROM {event} WHERE account_id = %s", [shop.pk])


def _write_agencies(shop: Account, data: Dataset, anchor: int, callback_url: str | None) -> list[Account]:
    accounts = []
    for spec in data.agencies:
        account = Account.objects.filter(appid=spec["appid"]).first() or Account(
            appid=spec["appid"], kind=Account.Kind.AGENCY
        )
        if account.kind != Account.Kind.AGENCY:
            raise ValueError(f"{spec['appid']} is a shop, not an agency")
        for key in ("secret", "push_token", "encoding_aes_key", "username", "name", "headimg_url"):
            setattr(account, key, spec[key])
        account.catalog = {"promoters": spec["promoters"]}
        if callback_url is not None:
            account.callback_url = callback_url
        account.save()
        accounts.append(account)
        status = 2 if spec["accepted"] else 1
        Cooperation.objects.create(agency=account, shop=shop, status=status, update_time=anchor - 30 * 86400)
        if not spec["accepted"]:
            Invitation.objects.create(
                kind=KIND_HEADSUPPLIER,
                account=shop,
                counterpart=account,
                reference=account.appid,
                create_time=anchor - 86400,
                payload={"shop_appid": shop.appid, "agency_appid": account.appid},
            )
    return accounts


def _write_catalog(shop: Account, data: Dataset, agencies: list[Account], anchor: int) -> None:
    Product.objects.bulk_create(
        [
            Product(
                shop=shop,
                product_id=p["product_id"],
                status=p["status"],
                update_time=p["update_time"],
                payload=p["payload"],
                edit_payload=p["edit_payload"],
            )
            for p in data.products
        ],
        batch_size=BATCH,
    )
    Buyer.objects.bulk_create(
        [
            Buyer(shop=shop, openid=b["openid"], unionid=b["unionid"], nickname=b["nickname"], address=b["address"])
            for b in data.buyers
        ],
        batch_size=BATCH,
    )
    LinkedAccount.objects.bulk_create([LinkedAccount(shop=shop, **row) for row in data.linked], batch_size=BATCH)
    by_appid = {a.appid: a for a in agencies}
    products = {p["product_id"]: p["payload"] for p in data.products}
    items = []
    for item in data.agency_items:
        payload = agency_item_payload(
            shop=shop,
            product=products[item["product_id"]],
            agency_appid=item["agency"],
            ratio_ppm=item["ratio_ppm"],
            service_ratio_ppm=item["service_ratio_ppm"],
            start_time=anchor - 60 * 86400,
            end_time=None,
        )
        items.append(
            AgencyItem(
                agency=by_appid[item["agency"]],
                shop=shop,
                product_id=item["product_id"],
                status=1,
                ratio_ppm=item["ratio_ppm"],
                service_ratio_ppm=item["service_ratio_ppm"],
                update_time=anchor - 60 * 86400,
                payload=payload,
            )
        )
    AgencyItem.objects.bulk_create(items, batch_size=BATCH)


def agency_item_payload(
    *,
    shop: Account,
    product: dict,
    agency_appid: str,
    ratio_ppm: int,
    service_ratio_ppm: int,
    start_time: int,
    end_time: int | None,
) -> dict:
    """headsupplier item/get ``item`` for a shop's product promoted through an agency (ratios in ppm)."""
    return {
        "appid": shop.appid,
        "product_id": product["product_id"],
        "product_info": {
            "title": product["title"],
            "sub_title": product["sub_title"],
            "head_imgs": product["head_imgs"],
            "min_price": product["min_price"],
            "cats_v2": product["cats_v2"],
        },
        "commission_info": {
            "status": 1,
            "service_ratio": service_ratio_ppm,
            "ratio": ratio_ppm,
            "start_time": start_time,
            "end_time": end_time or 0,  # UNCONFIRMED: 0 = no end (is_forerver)
            "link": f"https://store.weixin.qq.com/shop/{shop.appid}/p/{product['product_id']}?hs={agency_appid}",
        },
    }


# --- 优选联盟 plans ------------------------------------------------------------------------------------------------

TERMS_FIELDS = ("ratio_pct", "service_ratio_pct", "talents", "begin_time", "end_time")


def _terms_of(plan: LeaguePlan) -> dict:
    return {**{key: getattr(plan, key) for key in TERMS_FIELDS}, "listed": plan.status == 1}


def plan_create(*, shop: Account, now: int, plan_id: str, agency: Account | None = None, **fields) -> LeaguePlan:
    """A new listed plan (``fields``: type, product_id, ratio_pct, service_ratio_pct, commission_type, talents,
    begin_time, end_time) with its first terms row from ``now``."""
    plan = LeaguePlan.objects.create(
        shop=shop, plan_id=plan_id, agency=agency, status=1, create_time=now, update_time=now, **fields
    )
    LeaguePlanTerms.objects.create(plan=plan, valid_from=now, **_terms_of(plan))
    return plan


def plan_change(*, plan: LeaguePlan, now: int, **changes) -> LeaguePlan:
    """Change a plan (status, ratios, talents, period, commission_type) at ``now``. When its terms change, the open
    terms row ends at ``now`` and, unless the plan is deleted (4), a new one starts: the history a payment at any
    moment is charged from (sandbox.lifecycle.PlanBook)."""
    for key, value in changes.items():
        setattr(plan, key, value)
    plan.update_time = now
    plan.save()
    current = plan.terms.filter(valid_to__isnull=True).first()
    wanted = _terms_of(plan)
    if current is not None and plan.status != 4 and all(getattr(current, k) == v for k, v in wanted.items()):
        return plan
    if current is not None:
        current.valid_to = now
        current.save(update_fields=["valid_to"])
    if plan.status != 4:
        LeaguePlanTerms.objects.create(plan=plan, valid_from=now, **wanted)
    return plan


PLAN_FIELDS = (
    "plan_id",
    "type",
    "product_id",
    "status",
    "ratio_pct",
    "service_ratio_pct",
    "commission_type",
    "talents",
    "begin_time",
    "end_time",
    "create_time",
    "update_time",
)


def _write_league(shop: Account, league: dict, agencies: dict[str, Account]) -> None:
    """The seeded plans with their terms, and the talents."""
    plans = LeaguePlan.objects.bulk_create(
        [
            LeaguePlan(
                shop=shop,
                agency=agencies[p["agency"]] if p["agency"] else None,
                **{key: p[key] for key in PLAN_FIELDS},
            )
            for p in league["plans"]
        ],
        batch_size=BATCH,
    )
    LeaguePlanTerms.objects.bulk_create(
        [
            LeaguePlanTerms(plan=row, **terms)
            for row, p in zip(plans, league["plans"], strict=True)
            for terms in p["terms"]
        ],
        batch_size=BATCH,
    )
    LeagueTalent.objects.bulk_create([LeagueTalent(shop=shop, **t) for t in league["talents"]], batch_size=BATCH)


def plan_book(shop: Account) -> PlanBook:
    """Every terms row of the shop's plans, as the simulation charges payments with them."""
    rows = LeaguePlanTerms.objects.filter(plan__shop=shop).order_by("pk")
    return PlanBook.of(
        [
            {
                "plan_id": t.plan.plan_id,
                "type": t.plan.type,
                "product_id": t.plan.product_id,
                "agency": t.plan.agency.appid if t.plan.agency_id else "",
                "talents": t.talents,
                "ratio_pct": t.ratio_pct,
                "service_ratio_pct": t.service_ratio_pct,
                "listed": t.listed,
                "begin_time": t.begin_time,
                "end_time": t.end_time,
                "valid_from": t.valid_from,
                "valid_to": t.valid_to,
            }
            for t in rows.select_related("plan__agency")
        ]
    )


def _persist(shop: Account, sim: Simulation, agencies: dict[str, Account], aftersale_pks: dict | None = None):
    """Write what the simulation created or changed."""
    new_orders, changed_orders = [], []
    for order_id in sim.dirty_orders | {o.order_id for o in sim.orders.values() if o.new}:
        rec = sim.orders[order_id]
        row = Order(
            pk=rec.pk,
            shop=shop,
            order_id=rec.order_id,
            create_time=rec.payload["create_time"],
            update_time=rec.payload["update_time"],
            status=rec.payload["status"],
            openid=rec.payload["openid"],
            payload=rec.payload,
            plan=rec.plan,
            next_action_time=rec.next_time,
            seq=rec.seq,
        )
        (new_orders if rec.new else changed_orders).append(row)
    new_orders.sort(key=lambda o: o.seq)
    Order.objects.bulk_create(new_orders, batch_size=BATCH)
    _update_rows(changed_orders, ["payload", "plan", "status", "update_time", "next_action_time"])

    aftersale_pks = aftersale_pks or {}
    new_as, changed_as = [], []
    for aid in sorted(sim.dirty_aftersales):
        p = sim.aftersales[aid]
        row = AfterSale(
            pk=aftersale_pks.get(aid),
            shop=shop,
            after_sale_order_id=aid,
            order_id=p["order_id"],
            create_time=p["create_time"],
            update_time=p["update_time"],
            status=p["status"],
            payload=p,
        )
        (changed_as if row.pk else new_as).append(row)
    AfterSale.objects.bulk_create(new_as, batch_size=BATCH)
    _update_rows(changed_as, ["payload", "status", "update_time"])

    new_comm, changed_comm = [], []
    for key in sorted(sim.dirty_commissions):
        rec = sim.commissions[key]
        row = CommissionOrder(
            pk=rec.pk,
            agency=agencies[rec.agency],
            shop=shop,
            order_id=rec.order_id,
            sku_id=rec.sku_id,
            create_time=rec.payload["create_time"],
            update_time=rec.payload["update_time"],
            status=rec.payload["status"],
            finder_id=rec.finder_id,
            openfinderid=rec.openfinderid,
            sharer_appid=rec.sharer_appid,
            version=rec.version,
            payload=rec.payload,
        )
        (changed_comm if row.pk else new_comm).append(row)
    CommissionOrder.objects.bulk_create(new_comm, batch_size=BATCH)
    _update_rows(changed_comm, ["payload", "status", "update_time", "version"])

    LeagueSale.objects.bulk_create([LeagueSale(shop=shop, **sale) for sale in sim.sales], batch_size=BATCH)
    CommissionAnomaly.objects.bulk_create(
        [
            CommissionAnomaly(
                shop=shop, agency=agencies.get(a["agency"]), **{k: v for k, v in a.items() if k != "agency"}
            )
            for a in sim.anomalies
        ],
        batch_size=BATCH,
    )
    coupons_follow_orders(shop, sim)


def _update_rows(rows: list, names: list[str]) -> None:
    """UPDATE … WHERE id = … for each row with executemany: Django's bulk_update builds one CASE per column and
    row, which is an order of magnitude slower for the few thousand rows an advanced hour touches."""
    if not rows:
        return
    meta = rows[0]._meta
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} WHERE id = %s"
    params = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# --- advancing the clock ---------------------------------------------------------------------------------------


@dataclass
class AdvanceReport:
    appid: str
    start: int
    end: int
    new_orders: int = 0
    actions: int = 0
    events: dict[str, int] = field(default_factory=dict)
    delivered: int = 0
    failed_attempts: int = 0


def shop_advance(*, appid: str, hours: float, deliver: bool = True) -> AdvanceReport:
    """Move a shop's clock forward by ``hours`` and play out everything that happens meanwhile, in time order.

    New orders arrive at the seeded daily rate (with the daily rhythm); existing orders follow their plans
    (payment, shipping partial then full, after-sales, refunds, receipt, settlement, commission settlement). Each
    change updates the payload and ``update_time`` and emits the platform's push event; with ``deliver`` the due
    pushes are sent after every simulated hour. Fails with Account.DoesNotExist for an unknown shop and
    ValueError for a shop that has not been seeded.
    """
    shop = Account.objects.get(appid=appid, kind=Account.Kind.SHOP)
    if shop.clock is None or not shop.catalog:
        raise ValueError(f"shop {appid} has not been seeded (sandbox_seed)")
    start = shop.clock
    end = start + round(hours * HOUR)
    report = AdvanceReport(appid=appid, start=start, end=end)
    world = load_world(shop)
    t = start
    while t < end:
        step_end = min(end, (t // HOUR + 1) * HOUR)
        advance_interval(shop, world, t, step_end, report)
        if deliver:
            sent = deliver_due()
            report.delivered += sent.delivered
            report.failed_attempts += sent.failed
        t = step_end
    return report


def load_world(shop: Account) -> World:
    """The generator's view of a seeded shop, read back in generation order (so advancing stays deterministic)."""
    catalog = shop.catalog
    active = set(
        Cooperation.objects.filter(shop=shop, status=2, agency__appid__in=catalog.get("agencies", [])).values_list(
            "agency__appid", flat=True
        )
    )
    agency_rows = {a.appid: a for a in Account.objects.filter(appid__in=active)}
    items = AgencyItem.objects.filter(shop=shop, agency__appid__in=active).order_by("pk")
    return world_from(
        shop=ShopInfo(shop.appid, shop.username, shop.name),
        base=rng_base(shop.appid, shop.seed),
        products=list(
            Product.objects.filter(shop=shop, payload__isnull=False).order_by("pk").values_list("payload", flat=True)
        ),
        product_meta=catalog["product_meta"],
        buyers=[
            {"openid": o, "unionid": u, "address": a}
            for o, u, a in Buyer.objects.filter(shop=shop).order_by("pk").values_list("openid", "unionid", "address")
        ],
        catalog=catalog,
        agencies=[
            {"appid": appid, "name": agency_rows[appid].name, "promoters": agency_rows[appid].catalog["promoters"]}
            for appid in catalog.get("agencies", [])
            if appid in agency_rows
        ],
        agency_items=[
            {
                "agency": i.agency.appid,
                "product_id": i.product_id,
                "ratio_ppm": i.ratio_ppm,
                "service_ratio_ppm": i.service_ratio_ppm,
            }
            for i in items.select_related("agency")
        ],
        miscompute_permille=shop.miscompute_permille,
        self_referral_permille=shop.self_referral_permille,
        fee_mismatch_permille=shop.fee_mismatch_permille,
    )


def advance_interval(shop: Account, world: World, t_from: int, t_to: int, report: AdvanceReport) -> None:
    """Play out (t_from, t_to] for one shop in one transaction, record its events, and move the clock."""
    with transaction.atomic():
        sim = Simulation(shop=world.shop, emit=True, plans=plan_book(shop))
        rows = list(Order.objects.filter(shop=shop, next_action_time__lte=t_to))
        for row in rows:
            sim.add(OrderRec(seq=row.seq, order_id=row.order_id, payload=row.payload, plan=row.plan, pk=row.pk))
        aftersale_ids = [a for row in rows for a in row.plan["meta"]["aftersale_ids"]]
        aftersale_pks = {}
        for aftersale in AfterSale.objects.filter(shop=shop, after_sale_order_id__in=aftersale_ids):
            sim.aftersales[aftersale.after_sale_order_id] = aftersale.payload
            aftersale_pks[aftersale.after_sale_order_id] = aftersale.pk
        commissions = CommissionOrder.objects.filter(shop=shop, order_id__in=[r.order_id for r in rows])
        agencies = {a.appid: a for a in Account.objects.filter(kind=Account.Kind.AGENCY, cooperations__shop=shop)}
        for c in commissions.select_related("agency"):
            rec = CommissionRec(
                agency=c.agency.appid,
                shop=shop.appid,
                order_id=c.order_id,
                sku_id=c.sku_id,
                payload=c.payload,
                finder_id=c.finder_id,
                openfinderid=c.openfinderid,
                sharer_appid=c.sharer_appid,
                version=c.version,
                pk=c.pk,
            )
            sim.commissions[rec.key] = rec
        arrivals = [
            t0
            for hour in range(t_from // HOUR, t_to // HOUR + 1)
            for t0 in hour_arrivals(world.base, hour, shop.daily_order_rate)
            if t_from < t0 <= t_to
        ]
        for t0 in sorted(arrivals):
            sim.add(make_order(world, shop.order_seq, t0))
            shop.order_seq += 1
        sim.run_until(t_to)
        _persist(shop, sim, agencies, aftersale_pks)
        shop.aftersale_seq += sum(1 for a in sim.dirty_aftersales if a not in aftersale_pks)
        shop.clock = t_to
        shop.save(update_fields=["clock", "order_seq", "aftersale_seq", "updated_at"])
        events_record(sim.events, {shop.appid: shop, **agencies})
    report.new_orders += len(arrivals)
    report.actions += sim.applied
    counts = Counter(e.event for e in sim.events)
    for name, n in counts.items():
        report.events[name] = report.events.get(name, 0) + n


# --- invitations -----------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_decide(*, invitation: Invitation, accept: bool) -> Invitation:
    """Accept or reject a pending invitation and apply its kind's effect (sandbox.invitations). Deciding one
    that is no longer pending changes nothing and raises ValueError."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValueError("this invitation has already been decided")
    invitation.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.REJECTED
    invitation.decided_time = invitation.account.clock or int(platform_now())
    invitation.save(update_fields=["status", "decided_time"])
    handler = HANDLERS.get(invitation.kind)
    if handler is not None:
        handler(invitation, accept)
    return invitation
