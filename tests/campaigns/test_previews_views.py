"""The live-preview pages: fixed query counts whatever the rows, exact results from seeded orders, forms with
field errors (nothing changes), promoters with their QR code, deletion only after confirmation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import ConsoleNotification, LivePreview, PreviewPromoter
from campaigns.services.previews import reminders_send_due
from shopops.models import Order
from tests.factories import OrderFactory, OrderLineFactory
from tests.helpers import assert_constant_queries, console_url, flash_messages

EXPORT = "export/" + "A" * 96


def _preview(shop, **fields) -> LivePreview:
    defaults = {"topic": "新品首发专场", "start_time": timezone.now() + timedelta(days=1)}
    return LivePreview.objects.create(shop=shop, **{**defaults, **fields})


@pytest.mark.django_db
def test_the_list_runs_the_same_queries_for_1_or_50_previews(owner_client, shop):
    def add(n):
        for i in range(n):
            preview = _preview(shop, topic=f"预告{i}", start_time=timezone.now() - timedelta(hours=i + 1))
            PreviewPromoter.objects.create(shop=shop, preview=preview, kind="own", name="群", link="https://e.com")
        reminders_send_due()

    small, large = assert_constant_queries(owner_client, console_url("preview_list", shop), add, small=1, large=50)
    assert large.content.decode().count('id="preview-') == 30  # one page
    assert len(large.context["page"].paginator.object_list) == 50


@pytest.mark.django_db
def test_results_are_exact_from_the_live_orders_and_the_page_cost_does_not_grow(owner_client, shop):
    preview = _preview(shop, start_time=timezone.now() - timedelta(hours=3), notice_id="1001", live_export_id=EXPORT)
    preview.gift_coupon_id = "555"
    preview.gift_placements = ["reminder"]
    preview.reservations_entered = 400
    preview.save()
    buyers = ["oBuyerA", "oBuyerB"]

    def add(n):
        for i in range(n):
            order = OrderFactory(shop=shop, live_id=EXPORT, order_price_fen=1000, openid=buyers[i % 2])
            coupons = [{"coupon_id": "555", "user_coupon_id": f"u{order.pk}", "discounted_price": 100}]
            OrderLineFactory(order=order, coupons=coupons if i % 2 == 0 else [])
            PreviewPromoter.objects.create(shop=shop, preview=preview, kind="own", name=f"群{order.pk}", link="x")

    url = console_url("preview_detail", shop, pk=preview.pk)
    _small, large = assert_constant_queries(owner_client, url, add, small=2, large=20)
    # Noise: an unpaid order of the live, and another live's order, count for nothing.
    OrderFactory(shop=shop, live_id=EXPORT, status=Order.Status.UNPAID, pay_time=None)
    OrderFactory(shop=shop, live_id="export/other")
    response = owner_client.get(url)
    results = response.context["results"]
    assert (results.orders, results.buyers, results.gmv_fen) == (20, 2, 20_000)
    assert (results.coupon_uses, results.coupon_discount_fen) == (10, 1000)
    assert [(s.key, s.count, s.conversion_ppm) for s in response.context["funnel"]] == [
        ("reservations", 400, None),
        ("received", None, None),
        ("used", 10, 25_000),
        ("orders", 10, 1_000_000),
    ]
    html = response.content.decode()
    assert 'id="result-gmv">¥200.00<' in html
    assert large.status_code == 200


@pytest.mark.django_db
def test_planning_editing_and_deleting_a_preview(owner_client, shop):
    start = (timezone.localtime() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = owner_client.post(
        console_url("preview_plan", shop), {"topic": "周末囤货节", "start_time": start.strftime("%Y-%m-%dT%H:%M")}
    )
    preview = LivePreview.objects.get(shop=shop)
    assert response.status_code == 302 and response["Location"] == console_url("preview_detail", shop, pk=preview.pk)
    assert (preview.topic, preview.start_time, preview.notice_id, preview.planned) == ("周末囤货节", start, "", True)

    edit = console_url("preview_edit", shop, pk=preview.pk)
    refused = owner_client.post(edit, {"bound_coupon_ids": "12, x9", "gift_coupon_id": "77"})
    assert refused.status_code == 400
    assert refused.context["edit_form"].errors.keys() == {"bound_coupon_ids"}
    preview.refresh_from_db()
    assert (preview.bound_coupon_ids, preview.gift_coupon_id) == ([], "")

    saved = owner_client.post(
        edit,
        {
            "bound_coupon_ids": "12，34 12",
            "gift_coupon_id": "77",
            "gift_placements": ["mini_program", "reminder"],
            "post_payment": ["success_page"],
            "reservations_entered": "300",
        },
    )
    assert saved.status_code == 302
    preview.refresh_from_db()
    assert (preview.bound_coupon_ids, preview.gift_coupon_id, preview.gift_placements) == (
        ["12", "34"],
        "77",
        ["mini_program", "reminder"],
    )
    assert preview.post_payment == {"success_page": True, "voucher_profile": False, "voucher_content": False}
    page = owner_client.get(console_url("preview_detail", shop, pk=preview.pk))
    assert [(c["key"], c["done"]) for c in page.context["checklist"]] == [
        ("notice", False),
        ("coupons", True),
        ("gift", True),
        ("promoters", False),
        ("post_payment", False),
    ]

    delete = console_url("preview_delete", shop, pk=preview.pk)
    assert owner_client.get(delete).status_code == 200
    assert LivePreview.objects.filter(pk=preview.pk).exists()
    owner_client.post(delete)
    assert not LivePreview.objects.filter(pk=preview.pk).exists()


@pytest.mark.django_db
def test_own_promoters_get_a_qr_code_and_entered_counts(owner_client, shop):
    preview = _preview(shop)
    add = console_url("preview_own_add", shop, pk=preview.pk)
    refused = owner_client.post(add, {"name": "", "link": ""}, follow=True)
    assert PreviewPromoter.objects.count() == 0
    assert len(flash_messages(refused)) == 2
    owner_client.post(add, {"name": "会员群", "link": "https://example.com/reserve?n=1"})
    promoter = PreviewPromoter.objects.get(preview=preview)
    qr = owner_client.get(console_url("preview_promoter_qr", shop, pk=promoter.pk))
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    poster = owner_client.get(console_url("preview_promoter_poster", shop, pk=promoter.pk))
    assert (poster.status_code, poster["Content-Type"]) == (200, "image/png")
    assert poster["Content-Disposition"] == f'attachment; filename="preview-{preview.pk}-{promoter.pk}.png"'
    assert poster.content.startswith(b"\x89PNG")
    owner_client.post(
        console_url("preview_promoter_counts", shop, pk=promoter.pk),
        {"reservations_entered": "88", "orders_entered": ""},
    )
    promoter.refresh_from_db()
    assert (promoter.reservations_entered, promoter.orders_entered) == (88, None)
    rows = owner_client.get(console_url("preview_detail", shop, pk=preview.pk)).context["promoters"]
    assert [(r.reservations, r.reservations_source, r.orders) for r in rows] == [(88, "entered", None)]


@pytest.mark.django_db
def test_the_reminder_shows_in_the_notifications(owner_client, shop):
    preview = _preview(shop, start_time=timezone.now() - timedelta(minutes=1))
    assert reminders_send_due() == 1
    page = owner_client.get(console_url("preview_notifications", shop))
    note = ConsoleNotification.objects.get(shop=shop)
    assert list(page.context["notifications"]) == [note]
    assert note.link == console_url("preview_detail", shop, pk=preview.pk)
    empty = owner_client.get(console_url("preview_list", shop) + "?when=upcoming")
    assert list(empty.context["previews"]) == []
