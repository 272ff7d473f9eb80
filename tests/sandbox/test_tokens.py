"""Access tokens over HTTP: cgi-bin/token, cgi-bin/stable_token, lifetimes, refresh rules, per-appid isolation."""

import time_machine

from tests.sandbox.conftest import ANCHOR, SHOP, assert_error

T0 = ANCHOR  # platform time for these tests (the shop clock is unrelated)
INFO = "/channels/ec/basics/info/get"


def basic_token(api, appid, secret, grant_type="client_credential"):
    return api.get("/cgi-bin/token", params={"grant_type": grant_type, "appid": appid, "secret": secret})


def works(api, token) -> int:
    return api.get(INFO, token=token)["errcode"]


def test_cgi_bin_token_replaces_the_previous_one(api, seeded):
    with time_machine.travel(T0, tick=False):
        first = basic_token(api, SHOP, seeded.shop.secret)
        assert (first["errcode"], first["expires_in"]) == (0, 7200)
        assert works(api, first["access_token"]) == 0
        second = basic_token(api, SHOP, seeded.shop.secret)
        assert second["access_token"] != first["access_token"]
        assert_error(api.get(INFO, token=first["access_token"]), 40001)
        assert works(api, second["access_token"]) == 0


def test_token_endpoint_errors(api, seeded):
    secret = seeded.shop.secret
    assert_error(basic_token(api, SHOP, secret, grant_type="password"), 40002)
    assert_error(basic_token(api, "", secret), 41002)
    assert_error(basic_token(api, SHOP, ""), 41004)
    assert_error(basic_token(api, "wx0000000000000000", secret), 40013)
    assert_error(basic_token(api, SHOP, "0" * 32), 40125)
    stable = "/cgi-bin/stable_token"
    assert_error(api.get(stable), 43002)
    assert_error(api.post(stable, raw=b""), 44002)
    assert_error(api.post(stable, raw=b"{grant_type"), 47001)
    assert_error(api.post(stable, {"grant_type": "x", "appid": SHOP, "secret": secret}), 40002)
    assert_error(api.stable_token("wx0000000000000000", secret), 40013)
    assert_error(api.stable_token(SHOP, "wrong"), 40125)
    assert_error(
        api.post(stable, {"grant_type": "client_credential", "appid": SHOP, "secret": secret, "force_refresh": "yes"}),
        40097,
    )


def test_stable_token_is_reused_then_overlaps_its_successor_for_five_minutes(api, seeded):
    secret = seeded.shop.secret
    with time_machine.travel(T0, tick=False) as clock:
        first = api.stable_token(SHOP, secret)
        assert first["expires_in"] == 7200
        clock.shift(1000)
        again = api.stable_token(SHOP, secret)
        assert (again["access_token"], again["expires_in"]) == (first["access_token"], 6200)
        clock.shift(5899)  # T0 + 6899: 301 s left, still the same token
        assert api.stable_token(SHOP, secret)["access_token"] == first["access_token"]
        clock.shift(2)  # T0 + 6901: inside the last five minutes, the successor (issued at T0 + 6900)
        successor = api.stable_token(SHOP, secret)
        assert successor["access_token"] != first["access_token"]
        assert successor["expires_in"] == 7199
        assert api.stable_token(SHOP, secret)["access_token"] == successor["access_token"]
        assert (works(api, first["access_token"]), works(api, successor["access_token"])) == (0, 0)
        clock.shift(299)  # T0 + 7200: the first one has expired
        assert_error(api.get(INFO, token=first["access_token"]), 42001)
        assert works(api, successor["access_token"]) == 0


def test_stable_and_basic_tokens_are_isolated(api, seeded):
    with time_machine.travel(T0, tick=False):
        stable = api.token(SHOP, seeded.shop.secret)
        basic = basic_token(api, SHOP, seeded.shop.secret)["access_token"]
        basic_token(api, SHOP, seeded.shop.secret)
        assert works(api, stable) == 0
        assert_error(api.get(INFO, token=basic), 40001)
        api.stable_token(SHOP, seeded.shop.secret, force=True)
        assert_error(api.get(INFO, token=stable), 40001)


def test_tokens_expire_after_7200_seconds(api, seeded):
    with time_machine.travel(T0, tick=False) as clock:
        token = basic_token(api, SHOP, seeded.shop.secret)["access_token"]
        clock.shift(7199)
        assert works(api, token) == 0
        clock.shift(1)
        assert_error(api.get(INFO, token=token), 42001)


def test_force_refresh_invalidates_and_is_limited(api, seeded):
    secret = seeded.shop.secret
    with time_machine.travel(T0, tick=False) as clock:
        normal = api.token(SHOP, secret)
        forced = api.stable_token(SHOP, secret, force=True)
        assert forced["errcode"] == 0 and forced["expires_in"] == 7200
        assert_error(api.get(INFO, token=normal), 40001)
        assert works(api, forced["access_token"]) == 0
        # A normal call now returns the forced token.
        assert api.token(SHOP, secret) == forced["access_token"]
        clock.shift(29)
        assert_error(api.stable_token(SHOP, secret, force=True), 45011)
        assert works(api, forced["access_token"]) == 0  # a refused refresh changes nothing
        for _ in range(19):  # 20 forced refreshes in the day in all
            clock.shift(30)
            assert api.stable_token(SHOP, secret, force=True)["errcode"] == 0
        clock.shift(30)
        last = api.token(SHOP, secret)
        assert_error(api.stable_token(SHOP, secret, force=True), 45009)
        assert works(api, last) == 0
        clock.shift(86400)  # the next day
        assert api.stable_token(SHOP, secret, force=True)["errcode"] == 0


def test_missing_unknown_and_wrong_kind_of_token(api, seeded, token, agency_token):
    assert_error(api.get(INFO), 41001)
    assert_error(api.get(INFO, token="nope"), 40001)
    assert_error(api.post("/channels/ec/league/headsupplier/shop/list/get", {}, token=token), 48001)
    assert_error(api.get(INFO, token=agency_token), 48001)
    assert api.post("/channels/ec/league/headsupplier/shop/list/get", {}, token=agency_token)["errcode"] == 0
