from datetime import UTC, datetime

import pytest
from django.db import connection

from shopops.bulk import max_params, rows_write
from shopops.models import Product, Sku
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def product_row(shop, product_id: str, **changes) -> dict:
    row = {
        "shop_id": shop.pk,
        "product_id": product_id,
        "title": "羊毛围巾",
        "fingerprint": "fp-1",
        "raw": {"title": "羊毛围巾", "skus": [{"sku_id": 1}]},
        "synced_at": AT,
        "seen_at": AT,
    }
    return row | changes


def test_inserts_rows_with_defaults_and_returns_the_asked_columns():
    shop = ShopFactory()
    written = rows_write(Product, [product_row(shop, "101"), product_row(shop, "102")], returning=["product_id", "id"])
    by_id = {p.product_id: p for p in Product.objects.filter(shop=shop)}
    assert dict(written) == {"101": by_id["101"].pk, "102": by_id["102"].pk}
    first = by_id["101"]
    assert (first.title, first.raw, first.synced_at) == ("羊毛围巾", {"title": "羊毛围巾", "skus": [{"sku_id": 1}]}, AT)
    assert (first.status, first.min_price_fen, first.deleted) == (0, 0, False)  # the model's defaults


def test_a_colliding_row_updates_only_the_listed_fields_and_keeps_its_primary_key():
    shop = ShopFactory()
    existing = ProductFactory(shop=shop, product_id="101", title="旧标题", seen_at=AT)
    written = rows_write(
        Product,
        [product_row(shop, "101", title="新标题", synced_at=LATER, seen_at=LATER)],
        unique_fields=["shop", "product_id"],
        update_fields=["title", "synced_at"],
        returning=["id"],
    )
    existing.refresh_from_db()
    assert written == [(existing.pk,)]
    assert (existing.title, existing.synced_at, existing.seen_at) == ("新标题", LATER, AT)
    assert Product.objects.filter(shop=shop).count() == 1


def test_many_rows_are_split_into_statements_the_database_accepts():
    shop = ShopFactory()
    product = ProductFactory(shop=shop)
    fields = len([f for f in Sku._meta.concrete_fields if not f.primary_key])
    count = max_params(connection) // fields + 7  # more than one statement can carry
    rows = [{"shop_id": shop.pk, "product_id": product.pk, "sku_id": f"s{n}"} for n in range(count)]
    rows_write(Sku, rows)
    assert Sku.objects.filter(product=product).count() == count


def test_a_row_missing_a_required_column_is_refused_before_any_write():
    shop = ShopFactory()
    row = product_row(shop, "101")
    del row["seen_at"]
    with pytest.raises(ValueError, match="seen_at"):
        rows_write(Product, [row])
    assert not Product.objects.filter(shop=shop).exists()
