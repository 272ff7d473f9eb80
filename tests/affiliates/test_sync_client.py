"""The agency client's calls beyond commission orders (shop figures, funds, 推客, bound talents, promotion links),
against the sandbox over real HTTP; arguments the platform would refuse raise ValueError before any HTTP."""

import pytest

from sandbox.api.headsupplier import funds_flows
from sandbox.models import Account, AgencyItem
from sandbox.services import shop_seed
from shopops.platform import agency_client
from shopops.wechat.client import AgencyClient, MemoryTokenStore
from shopops.wechat.errors import InvalidArgumentError, NotFoundError

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "wxagclientshop0001"
AGENCY_APPID, AGENCY_SECRET = "wxagclientagency01", "a9c11e475ecre7000000000000000001"


@pytest.fixture
def client(live_sandbox) -> AgencyClient:
    first = {"name": "远山优选", "appid": AGENCY_APPID, "secret": AGENCY_SECRET}
    shop_seed(appid=SHOP, seed=7, days=20, orders=600, agencies=1, first_agency=first)
    with agency_client(appid=AGENCY_APPID, secret=AGENCY_SECRET) as made:
        yield made


@pytest.fixture
def offline():
    """A client whose every HTTP call would fail: the checks must refuse first."""
    with AgencyClient(
        appid=AGENCY_APPID, secret=AGENCY_SECRET, base_url="http://127.0.0.1:9", token_store=MemoryTokenStore()
    ) as made:
        yield made


def _account() -> Account:
    return Account.objects.get(appid=AGENCY_APPID)


def _sharers() -> list[dict]:
    return [s["info"] for s in _account().catalog["promoters"]["sharer"]]


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.promoter_bind_sharer_list(page_size=21), id="sharer page over 20"),
        pytest.param(lambda c: c.promoter_bind_talent_list(page_size=11), id="talent page over 10"),
        pytest.param(lambda c: c.headsupplier_funds_flow_list(page_size=101), id="flow page over 100"),
        pytest.param(lambda c: c.headsupplier_funds_flow_list(page=0), id="page 0"),
        pytest.param(lambda c: c.headsupplier_funds_flow_list(start_time=1), id="start without end"),
        pytest.param(lambda c: c.headsupplier_funds_flow_list(page=50, page_size=100), id="deep page, no key"),
        pytest.param(lambda c: c.headsupplier_funds_flow_get(""), id="no flow id"),
        pytest.param(lambda c: c.headsupplier_shop_get(shop_appid=""), id="no shop"),
        pytest.param(
            lambda c: c.promoter_sharer_commission_set(sharer_appid="wx1", commission_type=1, commission_ratio=-1),
            id="negative ratio",
        ),
        pytest.param(lambda c: c.promoter_product_link(sharer_appid="wx1", product_id="1"), id="no shop or agency"),
        pytest.param(
            lambda c: c.promoter_product_link(sharer_appid="a", sharer_openid="b", shop_appid="s", product_id="1"),
            id="two sharers",
        ),
        pytest.param(
            lambda c: c.promoter_product_qrcode(sharer_appid="a", shop_appid="s", product_id="1", page="x"),
            id="unknown field",
        ),
    ],
)
def test_arguments_the_platform_would_refuse_raise_before_any_http(offline, call):
    with pytest.raises(ValueError):
        call(offline)


def test_shop_detail_carries_the_figures_of_the_commission_orders(client):
    detail = client.headsupplier_shop_get(shop_appid=SHOP)

    assert (detail["base_info"]["appid"], detail["status"]) == (SHOP, 2)
    assert detail["data_info"]["product_number"] == AgencyItem.objects.filter(agency__appid=AGENCY_APPID).count()
    assert detail["data_info"]["settle_amount"] == sum(f["amount"] for f in funds_flows(_account()))
    with pytest.raises(InvalidArgumentError) as refused:
        client.headsupplier_shop_get(shop_appid="wxnotcooperating01")
    assert refused.value.errcode == 10024003


def test_funds_flows_page_by_number_and_by_key_and_sum_to_the_balance(client):
    flows = funds_flows(_account())
    assert len(flows) > 6

    first, second = (client.headsupplier_funds_flow_list(page=n, page_size=3) for n in (1, 2))
    by_key = client.headsupplier_funds_flow_list(page=2, page_size=3, next_key=first.next_key)

    assert first.ids + second.ids == [f["flow_id"] for f in flows[:6]] and first.has_more
    assert by_key.ids == second.ids
    detail = client.headsupplier_funds_flow_get(flows[-1]["flow_id"])
    assert (detail["funds_type"], detail["amount"], detail["bookkeeping_time"]) == (
        2,
        flows[-1]["amount"],
        str(flows[-1]["bookkeeping_time"]),
    )
    assert client.headsupplier_funds_balance()["available_amount"] == detail["balance"] == flows[-1]["balance"]
    window = client.headsupplier_funds_flow_list(
        page_size=100, start_time=flows[0]["bookkeeping_time"], end_time=flows[0]["bookkeeping_time"]
    )
    assert window.ids == [f["flow_id"] for f in flows if f["bookkeeping_time"] == flows[0]["bookkeeping_time"]]
    with pytest.raises(InvalidArgumentError):
        client.headsupplier_funds_flow_get("123")


def test_sharers_and_talents_page_and_a_commission_setting_is_read_back(client):
    first = client.promoter_bind_sharer_list(page_size=2)
    rest = client.promoter_bind_sharer_list(page_size=2, next_key=first.next_key)
    assert sorted(s["sharer_appid"] for s in first.records + rest.records) == sorted(
        s["sharer_appid"] for s in _sharers()
    )
    assert (len(first.records), len(rest.records), rest.next_key) == (2, 1, rest.next_key) and first.next_key

    chosen = _sharers()[0]["sharer_appid"]
    client.promoter_sharer_commission_set(sharer_appid=chosen, commission_type=1, commission_ratio=2500)
    (one,) = client.promoter_bind_sharer_list(sharer_appid=chosen).records
    assert (one["commission_type"], one["commission_ratio"]) == (1, 2500)
    with pytest.raises(InvalidArgumentError):
        client.promoter_sharer_commission_set(sharer_appid="wxnotasharer000001", commission_type=1, commission_ratio=1)

    talents = client.promoter_bind_talent_list(page_size=10)
    assert {t["talent_appid"] for t in talents.records} == {
        t["info"]["talent_appid"] for t in _account().catalog["promoters"]["talent"]
    }
    assert talents.next_key == ""


def test_a_promotion_link_and_qr_code_are_stable_per_sharer_and_product(client):
    item = AgencyItem.objects.filter(agency__appid=AGENCY_APPID).order_by("product_id").first()
    one, other = (s["sharer_appid"] for s in _sharers()[:2])
    by_shop = client.promoter_product_link(sharer_appid=one, shop_appid=SHOP, product_id=item.product_id)
    by_agency = client.promoter_product_link(
        sharer_openid=_sharers()[0]["opensharerid"], head_supplier_appid=AGENCY_APPID, product_id=item.product_id
    )

    assert by_shop == by_agency and by_shop.startswith("https://")
    assert client.promoter_product_link(sharer_appid=other, shop_appid=SHOP, product_id=item.product_id) != by_shop
    qrcode = client.promoter_product_qrcode(sharer_appid=one, shop_appid=SHOP, product_id=item.product_id)
    assert qrcode.endswith(".png") and qrcode != by_shop
    with pytest.raises(NotFoundError):
        client.promoter_product_link(sharer_appid=one, shop_appid=SHOP, product_id="1")
