"""优选联盟 (the WeChat Shop affiliate alliance): one module per feature.

- ``agencies``: 带货机构 accounts in ShopOps, their portal members and API keys.
- ``plans``: the merchant's promotion plans (普通/定向/专属 and agency plans) and the history of their terms.
- ``talents``: 达人 the merchant invites, blacklists and sets exclusive terms for; the merchant's thresholds.
- ``cooperation``: a shop ↔ agency cooperation, one row seen from both sides.
- ``commissions``: commission lines (merchant side, from orders) and commission orders (agency side), each with
  the expected amount ShopOps computes and the reason for any difference.
- ``partner``: what an agency's own platform account holds (promoted products, 推客, bound talents, funds).
- ``sync``: where the sync of that account stands (lease, cursors, alerts), for the core's sync engine.
"""

from affiliates.models.agencies import Agency, AgencyAPIKey, AgencyMember
from affiliates.models.commissions import (
    CommissionLine,
    CommissionOrder,
    CommissionOrderRollup,
    CommissionRollup,
    Reason,
)
from affiliates.models.cooperation import Cooperation
from affiliates.models.partner import AgencyProduct, AgencyTalent, FundsFlow, Sharer
from affiliates.models.plans import PlanTerms, PromotionPlan
from affiliates.models.sync import AgencyAlert, AgencySyncCursor, AgencySyncState
from affiliates.models.talents import AffiliateSettings, ExclusiveTerm, Talent

__all__ = [
    "AffiliateSettings",
    "Agency",
    "AgencyAPIKey",
    "AgencyAlert",
    "AgencyMember",
    "AgencyProduct",
    "AgencySyncCursor",
    "AgencySyncState",
    "AgencyTalent",
    "CommissionLine",
    "CommissionOrder",
    "CommissionOrderRollup",
    "CommissionRollup",
    "Cooperation",
    "ExclusiveTerm",
    "FundsFlow",
    "PlanTerms",
    "PromotionPlan",
    "Reason",
    "Sharer",
    "Talent",
]
