"""The push callback: /wechat/callback/<shop public id>/.

GET answers the platform's URL verification. POST accepts only safe-mode JSON: the signature is checked in
constant time, stale timestamps and replayed requests are refused, the body is decrypted and its appid checked,
and the event is stored once (keyed by the hash of its plaintext) before ``success`` is answered. Processing
happens in a task, through the same upsert path the poller uses. Every refusal is a 4xx, logged for support;
nothing here raises a 500.
"""

import json
import logging
import time

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shopops.models import Shop
from shopops.services.callbacks import push_event_record
from shopops.tasks import MAX_SKEW_SECONDS
from shopops.wechat.crypto import (
    AppIdMismatchError,
    BadSignatureError,
    PushCrypto,
    PushCryptoError,
    check_signature,
    url_signature,
)

logger = logging.getLogger("shopops.callbacks")

MAX_BODY_BYTES = 256 * 1024


def _refuse(status: int, shop: Shop, reason: str, request) -> HttpResponse:
    logger.warning(
        "push callback refused: shop=%s reason=%s ip=%s", shop.public_id, reason, request.META.get("REMOTE_ADDR")
    )
    return HttpResponse(reason, status=status, content_type="text/plain")


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def push_callback(request, shop):
    shop = Shop.objects.filter(public_id=shop).exclude(status=Shop.Status.ARCHIVED).first()
    if shop is None or not (shop.push_token and shop.encoding_aes_key and shop.appid):
        return HttpResponseNotFound("unknown callback", content_type="text/plain")
    params = request.GET
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    if request.method == "GET":
        expected = url_signature(shop.push_token, timestamp, nonce)
        if not check_signature(expected, params.get("signature", "")):
            return _refuse(403, shop, "bad signature", request)
        return HttpResponse(params.get("echostr", ""), content_type="text/plain")

    if len(request.body) > MAX_BODY_BYTES:
        return _refuse(400, shop, "body too large", request)
    try:
        encrypt = json.loads(request.body)["Encrypt"]
        int(timestamp)
    except (ValueError, KeyError, TypeError):
        return _refuse(400, shop, "malformed body", request)
    if not isinstance(encrypt, str):
        return _refuse(400, shop, "malformed body", request)
    crypto = PushCrypto(shop.push_token, shop.encoding_aes_key, shop.appid)
    try:
        plaintext = crypto.verify_and_decrypt(
            msg_signature=params.get("msg_signature", ""),
            timestamp=timestamp,
            nonce=nonce,
            encrypt=encrypt,
            now=time.time(),
            max_skew=MAX_SKEW_SECONDS,
        )
        payload = json.loads(plaintext)
        if not isinstance(payload, dict):
            raise ValueError("not an object")
    except PushCryptoError as exc:
        forged = isinstance(exc, BadSignatureError | AppIdMismatchError)
        return _refuse(403 if forged else 400, shop, exc.reason, request)
    except ValueError:
        return _refuse(400, shop, "plaintext is not a JSON object", request)

    try:
        push_event_record(shop=shop, timestamp=int(timestamp), nonce=nonce, plaintext=plaintext, payload=payload)
    except ValidationError:
        return _refuse(409, shop, "replayed request", request)
    return HttpResponse("success", content_type="text/plain")
