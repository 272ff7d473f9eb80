"""Live (直播) APIs: the linked 视频号's live notices (直播预告) and live records, the live dashboards, and the
agency-side 推客 APIs for a shop's live notice (share link, QR code, reservations through one 推客).

Facts: shared/wechat-platform-2026.md B.4. All are reads (retried like any read). There is no API to bind a
预约有礼 coupon to a notice, nor one listing who reserved: ShopOps plans those and says where WeChat does them.

- Shop token: ``/channels/ec/finderlive/getfinderlivenoticerecordlist`` (the notices; ``status`` enum UNCONFIRMED),
  ``/getfinderliverecordlist`` (lives: ``export_id`` is the orders' ``live_id``), ``/channels/livedashboard/
  getlivelist`` {ds yyyyMMdd} and ``getlivedata`` {export_id} (whose blocks are JSON text, parsed here).
- Agency token (``/channels/ec/promoter/…``): ``get_shop_live_notice_record_list``, ``get_shop_live_notice_
  promoter_share_link``, ``get_shop_live_notice_record_qr_code`` {shop_appid, promoter_id (the linked 视频号's
  finder id), promoter_type 1, notice_id, sharer_appid} and ``get_live_notice_reservation_info`` {live_notice_id,
  sharer_appid} → ``count``. Errors: 10024000 bad argument or unknown notice, 10024003 no cooperation with the shop.
"""

import json
from dataclasses import dataclass
from datetime import date

from shopops.wechat.client import AgencyClient, ShopClient, _check_id
from shopops.wechat.errors import ServerError
from shopops.wechat.types import as_dict, as_id, as_int, as_list, as_str

PROMOTER_TYPE_FINDER = 1  # 关联账号类型 视频号


@dataclass(frozen=True)
class LiveNotice:
    """A 直播预告 of the linked 视频号. ``status`` 0 未开始 / 1 直播中 / 2 已结束 in the sandbox (UNCONFIRMED)."""

    notice_id: str
    status: int
    status_wording: str
    start_time: int
    description: str
    nickname: str
    head_url: str


@dataclass(frozen=True)
class LiveRecord:
    export_id: str
    description: str
    cover_url: str
    nickname: str
    head_url: str


@dataclass(frozen=True)
class DashboardLive:
    export_id: str
    create_time: int


@dataclass(frozen=True)
class LiveDashboard:
    """The figures ShopOps shows from ``getlivedata``: viewers (观看人数 new_watch_uv, 最高在线), the like and
    comment rates (万分比, from the ended or on-air comparison index), and the e-commerce summary (GMV fen, pay
    count and buyers). ``raw`` keeps every block, parsed."""

    export_id: str
    start_time: int
    live_duration_s: int
    is_living: bool
    new_watch_uv: int
    max_online_watch_uv: int
    like_permyriad: int
    comment_permyriad: int
    total_gmv_fen: int
    total_pay_pv: int
    total_pay_uv: int
    raw: dict


@dataclass(frozen=True)
class NoticeRecord:
    notice_id: str
    description: str
    start_time: int


def _block(payload: dict, key: str) -> dict:
    """A dashboard block: JSON text on the platform (WxJava parses it a second time), an object tolerated."""
    value = payload.get(key)
    if isinstance(value, str) and value:
        try:
            return as_dict(json.loads(value))
        except ValueError:
            return {}
    return as_dict(value)


class LiveClient(ShopClient):
    """``ShopClient`` plus the linked 视频号's live notices, lives and dashboards, typed."""

    def live_notices(self) -> list[LiveNotice]:
        return [
            LiveNotice(
                notice_id=as_id(n.get("notice_id")),
                status=as_int(n.get("status")),
                status_wording=as_str(n.get("status_wording")),
                start_time=as_int(n.get("start_time")),
                description=as_str(n.get("description")),
                nickname=as_str(n.get("nickname")),
                head_url=as_str(n.get("head_url")),
            )
            for n in self.finderlive_notice_records()
        ]

    def live_records(self) -> list[LiveRecord]:
        payload = self._read("/channels/ec/finderlive/getfinderliverecordlist", {})
        return [
            LiveRecord(
                export_id=as_str(r.get("export_id")),
                description=as_str(r.get("description")),
                cover_url=as_str(r.get("cover_url")),
                nickname=as_str(r.get("nickname")),
                head_url=as_str(r.get("head_url")),
            )
            for r in map(as_dict, as_list(payload.get("live_list")))
        ]

    def dashboard_lives(self, day: date) -> list[DashboardLive]:
        """The lives of one local day (``ds`` yyyyMMdd)."""
        payload = self._read("/channels/livedashboard/getlivelist", {"ds": day.strftime("%Y%m%d")})
        return [
            DashboardLive(export_id=as_str(i.get("export_id")), create_time=as_int(i.get("create_time")))
            for i in map(as_dict, as_list(payload.get("live_items")))
        ]

    def dashboard_live_data(self, export_id: str) -> LiveDashboard:
        if not export_id:
            raise ValueError("export_id is required")
        path = "/channels/livedashboard/getlivedata"
        payload = self._read(path, {"export_id": export_id})
        board = _block(payload, "live_dashboard_data")
        if not board and "live_dashboard_data" not in payload:
            raise ServerError(errcode=0, errmsg="response has no live_dashboard_data", request_id="", endpoint=path)
        summary = as_dict(as_dict(board.get("live_dashboard_data")).get("summary"))
        index = _block(payload, "live_comparison_index")
        living = bool(index.get("is_living"))
        rates = as_dict(index.get("on_air" if living else "ended"))
        ec = _block(payload, "live_ec_data_summary")
        blocks = (
            "live_dashboard_data",
            "live_comparison_index",
            "live_ec_data_summary",
            "live_ec_conversion_metric",
            "live_ec_profile",
            "live_distribution_channel",
            "single_live_ec_spu_data_page_v2",
        )
        return LiveDashboard(
            export_id=export_id,
            start_time=as_int(board.get("start_time")),
            live_duration_s=as_int(board.get("live_duration")),
            is_living=living,
            new_watch_uv=as_int(summary.get("new_watch_uv")),
            max_online_watch_uv=as_int(summary.get("max_online_watch_uv")),
            like_permyriad=as_int(as_dict(rates.get("like_uv_over_new_watch_uv")).get("value")),
            comment_permyriad=as_int(as_dict(rates.get("comment_uv_over_new_watch_uv")).get("value")),
            total_gmv_fen=as_int(ec.get("total_gmv")),
            total_pay_pv=as_int(ec.get("total_pay_pv")),
            total_pay_uv=as_int(ec.get("total_pay_uv")),
            raw={key: _block(payload, key) for key in blocks},
        )


class LiveAgencyClient(AgencyClient):
    """``AgencyClient`` plus its 推客's promotion of a cooperating shop's live notices."""

    @staticmethod
    def _shop_finder(shop_appid: str, finder_id: str) -> dict:
        return {
            "shop_appid": _check_id("shop_appid", shop_appid),
            "promoter_id": _check_id("promoter_id", finder_id),
            "promoter_type": PROMOTER_TYPE_FINDER,
        }

    def shop_live_notices(self, *, shop_appid: str, finder_id: str) -> list[NoticeRecord]:
        path = "/channels/ec/promoter/get_shop_live_notice_record_list"
        payload = self._read(path, self._shop_finder(shop_appid, finder_id))
        rows = as_list(payload.get("live_record_list")) or as_list(payload.get("live_notice_record_list"))
        return [
            NoticeRecord(
                notice_id=as_id(r.get("notice_id")),
                description=as_str(r.get("description")),
                start_time=as_int(r.get("start_time")),
            )
            for r in map(as_dict, rows)
        ]

    def shop_live_notice_share_link(self, *, shop_appid: str, finder_id: str, notice_id: str, sharer_appid: str) -> str:
        path = "/channels/ec/promoter/get_shop_live_notice_promoter_share_link"
        body = {
            **self._shop_finder(shop_appid, finder_id),
            "notice_id": _check_id("notice_id", notice_id),
            "sharer_appid": _check_id("sharer_appid", sharer_appid),
        }
        return as_str(self._read(path, body).get("promoter_share_link"))

    def shop_live_notice_qrcode(self, *, shop_appid: str, finder_id: str, notice_id: str, sharer_appid: str) -> str:
        path = "/channels/ec/promoter/get_shop_live_notice_record_qr_code"
        body = {
            **self._shop_finder(shop_appid, finder_id),
            "notice_id": _check_id("notice_id", notice_id),
            "sharer_appid": _check_id("sharer_appid", sharer_appid),
        }
        return as_str(self._read(path, body).get("qrcode_url"))

    def live_notice_reservations(self, *, notice_id: str, sharer_appid: str) -> int:
        """Reservations made through one 推客's link (a count: no per-user list exists)."""
        body = {
            "live_notice_id": _check_id("live_notice_id", notice_id),
            "sharer_appid": _check_id("sharer_appid", sharer_appid),
        }
        return as_int(self._read("/channels/ec/promoter/get_live_notice_reservation_info", body).get("count"))
