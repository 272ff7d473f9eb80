"""The zh_Hans catalog is complete, compiled and current, and pages show no untranslated text."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories import MembershipFactory

PO = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# The same command as `make messages`.
IGNORE_PATTERNS = [".venv/*", "staticfiles/*", "test-artifacts/*", "tests/*", "var/*"]
MAKEMESSAGES_ARGS = [
    "makemessages",
    "--locale",
    "zh_Hans",
    "--no-obsolete",
    "--no-location",
    *(arg for pattern in IGNORE_PATTERNS for arg in ("--ignore", pattern)),
    "--verbosity",
    "0",
]


def _entries(catalog):
    return {(e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in catalog}


def test_every_entry_is_translated():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []


def test_the_compiled_catalog_matches_the_source():
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(MO))
    assert _entries(mo) == _entries(po.translated_entries()), "run `make messages` to recompile"


def _copy_of_the_sources(destination: Path) -> None:
    """Copy the project as makemessages sees it: no hidden folders or caches, and none of the folders it ignores
    (var/ alone can be large). Whatever else is copied, makemessages in the copy skips the same way."""
    ignored_at_the_top = {pattern.split("/")[0] for pattern in IGNORE_PATTERNS}

    def ignore(directory, names):
        skipped = {name for name in names if name.startswith(".") or name == "__pycache__" or name.endswith(".pyc")}
        if Path(directory) == settings.BASE_DIR:
            skipped |= ignored_at_the_top.intersection(names)
        return skipped

    shutil.copytree(settings.BASE_DIR, destination, ignore=ignore, symlinks=True)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def _msgids(catalog) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in catalog}


def test_the_catalog_has_every_string_of_the_code(tmp_path):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is required in CI")
        pytest.skip("GNU gettext is not installed; CI runs this check")
    # makemessages rewrites the catalog it finds, so it runs on a copy: the suite never touches locale/.
    locale_before = _snapshot(PO.parents[2])
    copy = tmp_path / "project"
    _copy_of_the_sources(copy)
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES_ARGS], cwd=copy, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    regenerated = polib.pofile(str(copy / PO.relative_to(settings.BASE_DIR)))
    current = polib.pofile(str(PO))
    missing = _msgids(regenerated) - _msgids(current)
    unused = _msgids(current) - _msgids(regenerated)
    assert (missing, unused) == (set(), set()), "run `make messages` and translate the new strings"
    assert _snapshot(PO.parents[2]) == locale_before, "the test changed the project's locale/"


# Words that stay in Latin letters in the Chinese interface: product names, platform terms, our own demo data.
LATIN_ALLOWED = {"ShopOps", "AppID", "AppSecret", "Token", "EncodingAESKey", "URL", "English", "ID", "wx"}


def _visible_latin_words(html: str) -> set[str]:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<code\b.*?</code>", " ", html, flags=re.S)  # URLs and identifiers
    text = re.sub(r"<[^>]+>", " ", html)
    return set(re.findall(r"[A-Za-z]{2,}", text)) - LATIN_ALLOWED


@pytest.mark.django_db
def test_console_pages_in_chinese_show_no_english(client):
    owner = MembershipFactory(user__username="zhangsan", shop__name="测试店")
    operator = MembershipFactory(shop=owner.shop, user__username="lisi", role="operator")
    client.force_login(owner.user)
    shop = owner.shop.public_id
    pages = [
        reverse("console:shop_home", kwargs={"shop": shop}),
        reverse("console:shop_settings", kwargs={"shop": shop}),
        reverse("console:members", kwargs={"shop": shop}),
        reverse("console:member_remove", kwargs={"shop": shop, "pk": operator.pk}),
        reverse("console:shop_create"),
        reverse("console:password_change"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _visible_latin_words(response.content.decode()) - {"zhangsan", "lisi"} == set(), url
    client.logout()
    for url in ("/login/", "/partner/login/"):
        assert _visible_latin_words(client.get(url).content.decode()) == set(), url


@pytest.mark.django_db
def test_english_is_available(client):
    owner = MembershipFactory()
    client.force_login(owner.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("console:shop_home", kwargs={"shop": owner.shop.public_id})).content.decode()
    assert '<html lang="en">' in page
    assert "Overview" in page and "概览" not in page
    with translation.override("en"):
        assert str(translation.gettext("Overview")) == "Overview"


def test_chinese_is_the_default_whatever_the_browser_asks(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in page
