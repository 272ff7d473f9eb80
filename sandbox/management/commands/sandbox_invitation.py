"""Play the invited side: accept, reject, expire or fail a shop's pending linked or cooperation invitation; accept
or reject its invitation to a 达人 (talent appid) or to an agency (agency appid)."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from sandbox import linking, services
from sandbox.invitations import KIND_HEADSUPPLIER, KIND_LEAGUE_PROMOTER
from sandbox.models import Account, Invitation

ENDINGS = {"expire": Invitation.Status.EXPIRED, "fail": Invitation.Status.FAILED}
LEAGUE_KINDS = (KIND_LEAGUE_PROMOTER, KIND_HEADSUPPLIER)


class Command(BaseCommand):
    help = (
        "Decide a shop's pending invitation to a linked account (视频号/公众号/服务号/企业微信 id) or a cooperation "
        "account (公众号/小程序 AppId): --accept, --reject, --expire or --fail (cooperation only); to a 优选联盟 "
        "达人 (talent appid) or agency (agency appid): --accept or --reject. Without a decision, lists the shop's "
        "pending invitations."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, metavar="APPID")
        parser.add_argument("--account", metavar="ID", help="the invited account's id or AppId")
        decision = parser.add_mutually_exclusive_group()
        for name in ("accept", "reject", "expire", "fail"):
            decision.add_argument(f"--{name}", action="store_const", const=name, dest="decision")

    def handle(self, *args, **o):
        shop = Account.objects.filter(appid=o["shop"], kind=Account.Kind.SHOP).first()
        if shop is None:
            raise CommandError(f"unknown shop {o['shop']}")
        if o["decision"] is None:
            self._list(shop, o["account"])
            return
        if not o["account"]:
            raise CommandError("--account is required with a decision")
        pending = linking.pending_for(shop=shop, account_id=o["account"]) + self._league_pending(shop, o["account"])
        if not pending:
            raise CommandError(f"{shop.appid} has no pending invitation to {o['account']}")
        invitation = pending[0]
        if o["decision"] == "fail" and invitation.kind != linking.KIND_COOPERATION:
            raise CommandError("--fail applies to cooperation invitations only (status 6 邀请接受失败)")
        if o["decision"] in ENDINGS and invitation.kind in LEAGUE_KINDS:
            raise CommandError("a 达人 or an agency answers --accept or --reject")
        try:
            if o["decision"] in ENDINGS:
                invitation = linking.invitation_end(invitation=invitation, status=ENDINGS[o["decision"]])
            else:
                invitation = services.invitation_decide(invitation=invitation, accept=o["decision"] == "accept")
        except ValueError as error:
            raise CommandError(f"{o['account']}: {error}") from error
        self.stdout.write(f"{invitation.kind} {invitation.reference} ({o['account']}): {invitation.status}")

    def _list(self, shop: Account, account: str | None) -> None:
        if account:
            pending = linking.pending_for(shop=shop, account_id=account) + self._league_pending(shop, account)
        else:
            pending = self._all_pending(shop)
        for invitation in pending:
            created = datetime.fromtimestamp(invitation.create_time, tz=UTC).isoformat()
            target = invitation.payload.get("account_id") or invitation.reference
            self.stdout.write(f"{invitation.kind} {invitation.reference} → {target} (created {created})")
        self.stdout.write(f"{len(pending)} pending.")

    @staticmethod
    def _all_pending(shop: Account) -> list[Invitation]:
        linking.expire_overdue(shop)
        kinds = (linking.KIND_LINKED, linking.KIND_COOPERATION, *LEAGUE_KINDS)
        return list(
            Invitation.objects.filter(account=shop, kind__in=kinds, status=Invitation.Status.PENDING).order_by("pk")
        )

    @staticmethod
    def _league_pending(shop: Account, account: str) -> list[Invitation]:
        """The shop's pending invitations to a 达人 or an agency (their reference is its appid)."""
        queryset = Invitation.objects.filter(
            account=shop, kind__in=LEAGUE_KINDS, reference=account, status=Invitation.Status.PENDING
        )
        return list(queryset.order_by("pk"))
