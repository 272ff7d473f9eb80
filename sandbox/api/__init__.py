"""The sandbox's HTTP API: the real WeChat Shop paths, served under ``/sandbox/api/``.

How a request is answered: ``sandbox.views.api`` hands (method, path, query, body) to ``dispatch.handle``, which
looks the path up in ``registry.ROUTES`` and runs the common checks (method, access_token, faults, JSON body —
see the docstring of ``dispatch``) before calling the endpoint's handler.

Adding endpoints (coupons, league items/promoters, live notices, cooperation, wecom …):

1. Create ``sandbox/api/<area>.py`` and register each path with the decorator::

       from sandbox.api import params
       from sandbox.api.errors import ApiError
       from sandbox.api.registry import AGENCY, SHOP, endpoint

       @endpoint("/channels/ec/coupon/get")                      # POST JSON, shop token
       def coupon_get(call):
           coupon_id = params.platform_id(call, "coupon_id")      # missing/bad → 40097 (call.invalid)
           ...
           raise ApiError(10021037)                               # a business error (add its text to ERRMSG)
           return {"coupon": payload}                             # errcode 0 / errmsg "ok" are added for you

   ``method="GET"`` for the documented GET endpoints; ``audience=AGENCY`` for agency (headsupplier/promoter)
   APIs; ``param_error=10024000`` (or another documented code) where the endpoint reports bad arguments with its
   own code instead of 40097 — ``call.invalid(detail)`` then raises that code.
2. Add the module name to ``MODULES`` below.
3. Business error texts go into ``errors.ERRMSG``; errmsg always gets `` rid: …`` appended.
4. Read helpers live in ``params``: ``integer``, ``string``, ``platform_id`` (ids as number or string in,
   strings out), ``boolean``, ``time_range`` (window limits), ``page_size`` and ``keyset_page`` (stable
   ``next_key`` cursors). ``call.account`` is the calling shop/agency (sandbox.models.Account), ``call.now`` the
   platform time; a shop's simulated time is ``call.account.clock``.
5. Events: ``sandbox.push.event_emit(account=…, event=…, body=…)`` records and queues a push.
"""

import importlib

MODULES = (
    "tokens",
    "basics",
    "orders",
    "aftersales",
    "products",
    "headsupplier",
    "cooperation",
    "wecom",
    "linking",
    "league",
    "talents",
    "alliance",
    "live",
    "coupons",
    "favorites",
    "funds",
)

for _name in MODULES:
    importlib.import_module(f"sandbox.api.{_name}")
