"""Assertions shared by the test suites."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def _numbered(context: CaptureQueriesContext) -> str:
    return "\n".join(f"  {i}. {query['sql']}" for i, query in enumerate(context.captured_queries, 1))


def assert_constant_queries(client, url: str, add_rows: Callable[[int], object], *, small: int = 1, large: int = 50):
    """GET ``url`` with ``small`` rows, then with ``large`` rows, and assert both run the same number of queries.

    ``add_rows(n)`` creates ``n`` more rows of whatever the page lists. Both responses must be 200. An unmeasured
    GET comes first: a first visit does one-off work (the session records the current shop) that is not a cost
    per row. Returns the two responses so the caller can check that the rows were really shown.
    """
    add_rows(small)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        small_response = client.get(url)
    add_rows(large - small)
    with CaptureQueriesContext(connection) as many:
        large_response = client.get(url)
    assert (small_response.status_code, large_response.status_code) == (200, 200)
    if len(few) != len(many):
        pytest.fail(
            f"GET {url} ran {len(few)} queries with {small} rows but {len(many)} with {large} rows.\n"
            f"With {small}:\n{_numbered(few)}\nWith {large}:\n{_numbered(many)}"
        )
    return small_response, large_response


def flash_messages(response) -> list[str]:
    """The flash messages a rendered response shows (none when it rendered no template)."""
    return [str(m) for m in response.context["messages"]] if response.context else []


def console_url(name: str, shop, **kwargs) -> str:
    """The URL of a console page of ``shop``."""
    return reverse(f"console:{name}", kwargs={"shop": shop.public_id, **kwargs})
