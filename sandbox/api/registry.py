"""The routing table: platform path → Endpoint. Modules in sandbox/api/ register with ``@endpoint``."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.api.errors import INVALID_ARGS, ApiError

SHOP, AGENCY, ANY, NO_TOKEN = "shop", "agency", "any", "no_token"


@dataclass
class Call:
    """One authenticated request as a handler sees it."""

    endpoint: "Endpoint"
    account: Any  # sandbox.models.Account, None for NO_TOKEN endpoints
    body: dict
    query: dict[str, str]
    now: int

    def invalid(self, detail: str) -> ApiError:
        """The endpoint's own "bad argument" error (40097, or e.g. 10024000 for headsupplier APIs)."""
        return ApiError(self.endpoint.param_error, detail)


@dataclass(frozen=True)
class Endpoint:
    path: str
    handler: Callable[[Call], dict]
    methods: frozenset[str]
    audience: str
    param_error: int

    @property
    def reads_body(self) -> bool:
        return "GET" not in self.methods


ROUTES: dict[str, Endpoint] = {}


def endpoint(path: str, *, method: str = "POST", audience: str = SHOP, param_error: int = INVALID_ARGS):
    """Register ``handler(call) -> dict`` for ``path`` (the real platform path, e.g. "/channels/ec/order/get").

    ``method="POST"``: GET answers 43002, an empty body 44002, bad JSON 47001. ``method="GET"``: the platform
    documents a GET; POST is accepted as well (UNCONFIRMED, harmless) and the body is ignored.
    ``audience``: which kind of appid's token may call it (a token of the other kind answers 48001).
    The handler returns the business fields; ``errcode``/``errmsg`` are added by the dispatcher.
    """

    def register(handler):
        if path in ROUTES:
            raise ValueError(f"{path} is registered twice")
        methods = frozenset({"GET", "POST"}) if method == "GET" else frozenset({"POST"})
        ROUTES[path] = Endpoint(path, handler, methods, audience, param_error)
        return handler

    return register


def fault_target(path: str) -> str:
    """The path a targeted fault may name, as the dispatcher matches it ("/" + the path without surrounding
    slashes). ValueError for a path no endpoint serves, and for the token endpoints (exempt from every fault)."""
    normalised = "/" + path.strip().strip("/")
    found = ROUTES.get(normalised)
    if found is None:
        raise ValueError(f"no endpoint serves {normalised}")
    if found.audience == NO_TOKEN:
        raise ValueError(f"{normalised} is a token endpoint: token endpoints are exempt from faults")
    return normalised
