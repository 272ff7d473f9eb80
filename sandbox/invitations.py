"""What accepting or rejecting an Invitation does, per kind: ``HANDLERS`` maps a kind to
``handler(invitation, accept: bool) -> None``.

A module that adds an invitation-like flow (league promoters …) puts its handler into ``HANDLERS`` below: this
module imports the flows, never the other way round (the layers in pyproject.toml). Handlers run inside
``services.invitation_decide``'s transaction and may emit push events (push.event_emit); a handler that raises
ValueError refuses the decision and nothing changes.
"""

from collections.abc import Callable

from sandbox import linking
from sandbox.models import Cooperation, Invitation, LeagueTalent

KIND_HEADSUPPLIER, KIND_LEAGUE_PROMOTER = "headsupplier_cooperation", "league_promoter"


def _headsupplier_cooperation(invitation: Invitation, accept: bool) -> None:
    """An agency answering a shop's cooperation invitation: 2 已接受 or 3 已拒绝."""
    Cooperation.objects.filter(shop=invitation.account, agency=invitation.counterpart).update(
        status=2 if accept else 3, update_time=invitation.decided_time
    )


def _league_promoter(invitation: Invitation, accept: bool) -> None:
    """A 达人 answering the shop's invitation (league/promoter/add): 2 已接受邀请 or 3 已拒绝邀请. The talent's
    row must still be invited (1): a cancelled invitation cannot be accepted (ValueError: nothing changes)."""
    updated = LeagueTalent.objects.filter(shop=invitation.account, talent_appid=invitation.reference, status=1).update(
        status=2 if accept else 3, update_time=invitation.decided_time
    )
    if not updated:
        raise ValueError("the talent is no longer invited")


HANDLERS: dict[str, Callable[[Invitation, bool], None]] = {
    KIND_HEADSUPPLIER: _headsupplier_cooperation,
    KIND_LEAGUE_PROMOTER: _league_promoter,
    linking.KIND_LINKED: linking.linked_invitation_decided,
    linking.KIND_COOPERATION: linking.cooperation_invitation_decided,
}
