"""/channels/ec/aftersale/getaftersalelist over HTTP: by creation time or by update time (a pair, at most 24 h)."""

import pytest

from sandbox import selectors
from tests.sandbox.conftest import ANCHOR, SHOP, assert_error

DAY = 86400
PATH = "/channels/ec/aftersale/getaftersalelist"


def listed(api, token, body: dict) -> list[str]:
    """Every id of one window, page after page."""
    ids, next_key = [], ""
    while True:
        answer = api.post(PATH, {**body, "next_key": next_key}, token=token)
        assert answer["errcode"] == 0, answer
        ids += answer["after_sale_order_id_list"]
        next_key = answer["next_key"]
        if not answer["has_more"]:
            return ids


def test_by_update_time_in_update_order(api, token):
    aftersales = selectors.aftersale_payloads(SHOP)
    moved = [a for a in aftersales if a["update_time"] // DAY != a["create_time"] // DAY]
    assert moved  # some were updated on a later day than they were created: the two orders differ

    for end in range(ANCHOR, ANCHOR - 9 * DAY, -DAY - 1):
        ids = listed(api, token, {"begin_update_time": end - DAY, "end_update_time": end})

        expected = sorted(
            (a for a in aftersales if end - DAY <= a["update_time"] <= end),
            key=lambda a: (a["update_time"], a["after_sale_order_id"]),
        )
        assert ids == [a["after_sale_order_id"] for a in expected]


def test_both_pairs_must_both_match(api, token):
    """UNCONFIRMED on the platform (the documentation asks for one of the two pairs)."""
    aftersales = selectors.aftersale_payloads(SHOP)
    begin, end = ANCHOR - 3 * DAY, ANCHOR - 2 * DAY
    body = {"begin_create_time": begin, "end_create_time": end, "begin_update_time": begin, "end_update_time": end}

    ids = listed(api, token, body)

    expected = sorted(
        (a for a in aftersales if begin <= a["create_time"] <= end and begin <= a["update_time"] <= end),
        key=lambda a: (a["update_time"], a["after_sale_order_id"]),
    )
    assert ids == [a["after_sale_order_id"] for a in expected]
    # The window holds rows matching only one of the pairs: each pair really filtered.
    created = listed(api, token, {"begin_create_time": begin, "end_create_time": end})
    updated = listed(api, token, {"begin_update_time": begin, "end_update_time": end})
    assert ids and set(ids) < set(created) and set(ids) < set(updated)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="no pair"),
        pytest.param({"begin_update_time": ANCHOR - DAY}, id="half an update pair"),
        pytest.param({"end_create_time": ANCHOR}, id="half a create pair"),
        pytest.param({"begin_update_time": ANCHOR - DAY - 1, "end_update_time": ANCHOR}, id="update 24 h + 1 s"),
        pytest.param({"begin_update_time": ANCHOR, "end_update_time": ANCHOR - 1}, id="update end before begin"),
        pytest.param(
            {"begin_create_time": ANCHOR - DAY, "end_create_time": ANCHOR, "begin_update_time": ANCHOR},
            id="half of two",
        ),
    ],
)
def test_a_window_the_platform_refuses_is_40097(api, token, body):
    assert_error(api.post(PATH, body, token=token), 40097)
