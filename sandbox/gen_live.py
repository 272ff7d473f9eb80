"""Live notices (直播预告), live records and live dashboards of a seeded shop's linked 视频号, computed — not stored —
from the catalog and the shop clock, so they always line up with the generated orders.

The generator gives every finder one live session per local day (``generator.live_id_for``): every order of
``order_scene`` 2 carries that day's ``live_id``. So here:

- each linked 视频号 (catalog ``linked.channels``) has one notice per local day; the live starts at the day's local
  midnight (a whole-day live room, 日不落直播), before any order of that live, and its live record / dashboard
  export_id is exactly the orders' ``live_id``;
- a notice is published ``NOTICE_LEAD`` before its start; the notice list shows the notices published by the shop
  clock whose start is at most ``NOTICE_HISTORY`` ago; ``status`` 0 未开始 / 1 直播中 / 2 已结束 (the enum is
  UNCONFIRMED);
- reservations (预约) of a notice grow linearly with the shop clock from publication to start, towards a total
  drawn from the notice id; each 推客's share is a fixed per-mille of that (``reservations``). They are counts
  only: the platform has no per-user reservation list, and no 预约有礼 binding API, so neither exists here.

``live_catalog`` is what ``sandbox.generator.build_catalog`` stores under ``catalog["live"]`` (one line there).
"""

import base64
import hashlib
from datetime import UTC, datetime, timedelta

DAY, HOUR = 86400, 3600
CN_OFFSET = 8 * HOUR  # Asia/Shanghai, as in sandbox.generator

NOTICE_LEAD = 3 * DAY  # UNCONFIRMED: how long before its start a generated notice is published
NOTICE_HISTORY = 7 * DAY  # ended notices stay listed this long (UNCONFIRMED)
RECORD_HISTORY = 30 * DAY  # live records listed (UNCONFIRMED)
TOPICS = ("新品首发专场", "会员福利日", "限时秒杀夜", "工厂直发专场", "老粉回馈专场", "周末囤货节", "主播试用分享")


def live_id_for(finder_id: str, t: int) -> str:
    """One live session per finder per local day, named like the platform's live export ids: "export/" and 96
    base64url characters (103 in all, as in the official order/get example), the same for that finder all day.
    The generator stamps it on the orders of order_scene 2 (sandbox.generator re-exports it)."""
    digest = hashlib.shake_256(f"live:{finder_id}:{(t + CN_OFFSET) // DAY}".encode()).digest(72)
    return "export/" + base64.urlsafe_b64encode(digest).decode()


def _h(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _head_url(base: str, finder_id: str) -> str:
    return f"https://wx.qlogo.cn/finderhead/{hashlib.sha1(f'{base}:{finder_id}'.encode()).hexdigest()}/0"


def live_catalog(base: str, channels: list[dict]) -> dict:
    """The live side of the catalog: the finders that go live (the shop's linked 视频号) with their avatars."""
    return {
        "finders": [
            {
                "finder_id": row["account_id"],
                "nickname": row["nickname"],
                "head_url": _head_url(base, row["account_id"]),
            }
            for row in channels
        ]
    }


def day_start(t: int) -> int:
    """The local (Asia/Shanghai) midnight at or before ``t``."""
    return (t + CN_OFFSET) // DAY * DAY - CN_OFFSET


def notice_id_for(finder_id: str, start: int) -> str:
    return str(10**18 + _h(f"notice:{finder_id}:{start}") % (9 * 10**18))


def _status(start: int, now: int) -> tuple[int, str]:
    if now < start:
        return 0, "未开始"
    if now < start + DAY:
        return 1, "直播中"
    return 2, "已结束"


def _finders(catalog: dict) -> list[dict]:
    return (catalog or {}).get("live", {}).get("finders", [])


def notice(finder: dict, start: int, now: int) -> dict:
    status, wording = _status(start, now)
    local = datetime.fromtimestamp(start, UTC) + timedelta(seconds=CN_OFFSET)
    topic = TOPICS[_h(f"topic:{finder['finder_id']}:{start}") % len(TOPICS)]
    return {
        "notice_id": notice_id_for(finder["finder_id"], start),
        "status": status,
        "status_wording": wording,
        "start_time": start,
        "description": f"{local.month}月{local.day}日 {topic}",
        "nickname": finder["nickname"],
        "head_url": finder["head_url"],
    }


def notices(catalog: dict, now: int, *, finder_id: str = "") -> list[dict]:
    """The notices published by ``now`` and not ended more than NOTICE_HISTORY ago, soonest start first."""
    first, last = day_start(now - NOTICE_HISTORY), day_start(now + NOTICE_LEAD)
    out = []
    for finder in _finders(catalog):
        if finder_id and finder["finder_id"] != finder_id:
            continue
        out += [notice(finder, start, now) for start in range(first, last + 1, DAY) if start - NOTICE_LEAD <= now]
    return sorted(out, key=lambda n: (n["start_time"], n["notice_id"]))


def find_notice(catalog: dict, now: int, notice_id: str) -> tuple[dict, dict] | None:
    """(finder, notice) for a notice id the shop has published by ``now`` (ended ones included), else None."""
    first, last = day_start(now - RECORD_HISTORY), day_start(now + NOTICE_LEAD)
    for finder in _finders(catalog):
        for start in range(first, last + 1, DAY):
            if start - NOTICE_LEAD <= now and notice_id_for(finder["finder_id"], start) == notice_id:
                return finder, notice(finder, start, now)
    return None


def reservations(notice_id: str, start: int, now: int, sharer_appid: str = "") -> int:
    """Reservations of a notice at ``now`` (all of them, or those through one 推客's link): linear from
    publication (start − NOTICE_LEAD) to the start, flat afterwards. Deterministic in (notice, sharer, now)."""
    total = 200 + _h(f"reservations:{notice_id}") % 1801
    if sharer_appid:
        total = total * (20 + _h(f"share:{notice_id}:{sharer_appid}") % 131) // 1000
    elapsed = min(max(now - (start - NOTICE_LEAD), 0), NOTICE_LEAD)
    return total * elapsed // NOTICE_LEAD


def lives(catalog: dict, now: int, *, since: int, until: int) -> list[dict]:
    """The lives that started in [since, until] and by ``now``: export_id (= the orders' live_id), start, finder."""
    out = []
    for finder in _finders(catalog):
        for start in range(day_start(since), until + 1, DAY):
            if since <= start <= min(until, now):
                out.append(
                    {"export_id": live_id_for(finder["finder_id"], start), "start_time": start, "finder": finder}
                )
    return sorted(out, key=lambda r: (r["start_time"], r["export_id"]))


def live_record(live: dict, now: int) -> dict:
    finder, start = live["finder"], live["start_time"]
    return {
        "export_id": live["export_id"],
        "description": notice(finder, start, now)["description"],
        "cover_url": f"https://finder.video.qq.com/cover/{hashlib.sha1(live['export_id'].encode()).hexdigest()}.jpg",
        "nickname": finder["nickname"],
        "head_url": finder["head_url"],
    }


def find_live(catalog: dict, now: int, export_id: str) -> dict | None:
    for live in lives(catalog, now, since=now - RECORD_HISTORY * 2, until=now):
        if live["export_id"] == export_id:
            return live
    return None


def audience(export_id: str, pay_uv: int) -> dict:
    """Viewer figures of a live: deterministic in the export id, never fewer viewers than buyers."""
    h = _h(f"audience:{export_id}")
    watch_uv = max(pay_uv * (8 + h % 12), 300 + h % 2000)
    return {
        "new_watch_uv": watch_uv,
        "max_online_watch_uv": watch_uv * (5 + h % 10) // 100,
        "impression_uv": watch_uv * (3 + h % 4),
        "average_watch_seconds_per_audience": 40 + h % 200,
        "like_permyriad": 300 + (h >> 8) % 2200,  # 点赞率 like_uv_over_new_watch_uv, 万分比
        "comment_permyriad": 50 + (h >> 16) % 600,
        "live_duration": 20 * HOUR + (h >> 24) % (4 * HOUR),
    }
