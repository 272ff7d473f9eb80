"""Channel attribution: which channel brought an order line, from the platform's own attribution fields.

The platform reports attribution in two places (shared/wechat-platform.md §2.3): per SKU in
``order_detail.source_infos[]`` (who: ``sale_channel`` 账号关联类型, ``account_type`` 带货账号类型, ``content_type``
带货内容类型, ``promoter_head_supplier_id``) and per order in ``ext_info`` (how: ``order_scene``, ``live_id``), with
the alliance's cut per SKU in ``commission_infos[]`` (``type`` 0 达人/带货者, 1 团长/带货机构). ``line_channel`` folds
them into one channel per line. It is pure: no database, no platform calls.
"""

from collections.abc import Collection

from django.db import models
from django.utils.translation import gettext_lazy as _

# source_infos[].sale_channel (账号关联类型)
SALE_CHANNEL_LINKED = 0  # 关联账号
SALE_CHANNEL_COOPERATION = 1  # 合作账号
SALE_CHANNEL_AUTHORIZED = 2  # 授权号
SALE_CHANNEL_TALENT = 100  # 达人带货
SALE_CHANNEL_AGENCY = 101  # 带货机构推广
SALE_CHANNEL_OTHER = 102  # 其他

# source_infos[].account_type (带货账号类型)
ACCOUNT_CHANNELS = 1  # 视频号
ACCOUNT_MP = 2  # 公众号
ACCOUNT_MINIPROGRAM = 3  # 小程序
ACCOUNT_WECOM = 4  # 企业微信
ACCOUNT_TALENT = 5  # 带货达人
ACCOUNT_SERVICE = 6  # 服务号
ACCOUNT_AGENCY = 1000  # 带货机构

# source_infos[].content_type (带货内容类型)
CONTENT_WECOM_MEMBER_FORWARD = 1  # 企微成员转发

# ext_info.order_scene
SCENE_OTHER = 1  # 其他
SCENE_LIVE = 2  # 直播间
SCENE_SHORT_VIDEO = 3  # 短视频
SCENE_PRODUCT_SHARE = 4  # 商品分享
SCENE_SHOWCASE = 5  # 商品橱窗主页
SCENE_MP_ARTICLE = 6  # 公众号文章商品卡片

# commission_infos[].type
COMMISSION_TALENT = 0  # 达人/带货者
COMMISSION_AGENCY = 1  # 团长/带货机构


class Channel(models.TextChoices):
    """Where an order line was sold.

    There is no separate value for 合作账号 (sale_channel 1) or 授权号 (sale_channel 2): the platform's account_type
    already says which medium they sold through (a cooperation 公众号 → ``MP_ARTICLE``, a cooperation 小程序 →
    ``MINIPROGRAM``, an authorized 视频号 → the 视频号 values), and the line keeps ``sale_channel`` beside the
    channel for anyone who needs the linked / cooperation / authorized split.
    """

    FINDER_LIVE = "finder_live", _("Channels live stream")
    FINDER_VIDEO = "finder_video", _("Channels short video")
    FINDER_SHOWCASE = "finder_showcase", _("Channels showcase")
    MP_ARTICLE = "mp_article", _("Official account article")
    SERVICE_ACCOUNT = "service_account", _("Service account")
    MINIPROGRAM = "miniprogram", _("Mini program")
    WECOM_FORWARD = "wecom_forward", _("WeCom member forward")
    TALENT = "talent", _("Talent")
    AGENCY = "agency", _("Agency")
    SHARER = "sharer", _("Sharer")
    OTHER = "other", _("Natural traffic and other")


def _finder_channel(*, order_scene: int | None, live_id: str) -> Channel:
    if order_scene == SCENE_LIVE:
        return Channel.FINDER_LIVE
    if order_scene == SCENE_SHORT_VIDEO:
        return Channel.FINDER_VIDEO
    if order_scene in (SCENE_PRODUCT_SHARE, SCENE_SHOWCASE):
        return Channel.FINDER_SHOWCASE
    # The scene says 其他 or is missing: a live id still places the sale in a live room. Otherwise the 视频号 sold
    # from neither a live room nor a video, which leaves its product surfaces (橱窗 home page, shared product cards).
    return Channel.FINDER_LIVE if live_id else Channel.FINDER_SHOWCASE


def line_channel(
    *,
    sale_channel: int | None,
    account_type: int | None,
    content_type: int | None,
    promoter_head_supplier_id: str,
    commission_types: Collection[int],
    order_scene: int | None,
    live_id: str,
) -> Channel:
    """The channel of one order line: the SKU's ``source_infos`` entry decides who sold it, the order's scene how.

    Rules, first match wins:

    1. ``promoter_head_supplier_id`` (自营推客推广的带货机构 id) is set → ``SHARER``: an agency's own 推客/分享员
       sold the line, so the sharer, not the agency's talents, brought the buyer. ``commission_infos`` has no sharer
       type (only 0 达人, 1 机构), and the old ``sharer_info`` / ``sku_sharer_infos`` blocks are offline (下线).
    2. sale_channel 101 带货机构推广 or account_type 1000 带货机构 → ``AGENCY``.
    3. sale_channel 100 达人带货 or account_type 5 带货达人 → ``TALENT``, whatever the scene: a talent's live room
       is the talent's channel, not the shop's.
    4. The source names no relation (no entry, or sale_channel 102 其他) but the alliance paid commission on the
       line → ``AGENCY`` if an agency (type 1) took a cut, else ``TALENT`` (type 0). With a named relation
       (关联/合作/授权) the source wins over commission entries, which such lines should not carry.
    5. content_type 1 企微成员转发 → ``WECOM_FORWARD``.
    6. By account_type, for linked (0), cooperation (1), authorized (2), 其他 (102) or unknown relations:
       1 视频号 → by ``order_scene`` (2 直播间 → live, 3 短视频 → short video, 4 商品分享 / 5 商品橱窗主页 →
       showcase; 1 其他 or missing → live if the order has a live id, else showcase);
       2 公众号 → ``MP_ARTICLE``; 6 服务号 → ``SERVICE_ACCOUNT``; 3 小程序 → ``MINIPROGRAM``.
    7. Everything else → ``OTHER``: no source entry (natural traffic), an unknown account type, or a 企业微信
       account without the member-forward content type (the only 企业微信 content the platform documents).

    ``order_scene`` and ``live_id`` come from the order-level ``ext_info``; they describe the order's main source,
    so they only refine a line whose own source is a 视频号, and never attribute a line without a source entry.
    ``ext_info.finder_id`` is not used: the line's ``account_id`` already names the 视频号, and whether the two ids
    share a format is unconfirmed, so comparing them could silently misfile every live sale.
    """
    if promoter_head_supplier_id:
        return Channel.SHARER
    if sale_channel == SALE_CHANNEL_AGENCY or account_type == ACCOUNT_AGENCY:
        return Channel.AGENCY
    if sale_channel == SALE_CHANNEL_TALENT or account_type == ACCOUNT_TALENT:
        return Channel.TALENT
    if sale_channel in (None, SALE_CHANNEL_OTHER):
        if COMMISSION_AGENCY in commission_types:
            return Channel.AGENCY
        if COMMISSION_TALENT in commission_types:
            return Channel.TALENT
    if content_type == CONTENT_WECOM_MEMBER_FORWARD:
        return Channel.WECOM_FORWARD
    if account_type == ACCOUNT_CHANNELS:
        return _finder_channel(order_scene=order_scene, live_id=live_id)
    return {
        ACCOUNT_MP: Channel.MP_ARTICLE,
        ACCOUNT_SERVICE: Channel.SERVICE_ACCOUNT,
        ACCOUNT_MINIPROGRAM: Channel.MINIPROGRAM,
    }.get(account_type, Channel.OTHER)
