"""Shop basics."""

from sandbox.api.registry import SHOP, Call, endpoint


@endpoint("/channels/ec/basics/info/get", method="GET", audience=SHOP)
def info_get(call: Call) -> dict:
    shop = call.account
    return {
        "info": {
            "nickname": shop.name,
            "headimg_url": shop.headimg_url,
            "subject_type": shop.subject_type,
            "status": shop.shop_status,
            "username": shop.username,
            "is_local_life": shop.is_local_life,
            "open_timestamp": shop.open_timestamp,
        }
    }
