"""私域激励计划: one module per part.

- ``flows``: the platform's per-order fund flow (what it really charged);
- ``ledger``: the double-entry ledger in fen (accounts, journals, entries) that accruals, growth cards and staff
  rewards post to;
- ``rules``: versioned rule sets, their eligible sources, and the accruals the evaluation writes;
- ``growth``: 电商成长卡 (growth cards) and the live boosts (加热) spent from them;
- ``staff``: WeCom staff reward schemes, staff members, their rewards and payouts.
"""

from incentives.models.flows import OrderFlow, SettleState
from incentives.models.growth import CardSource, CardSpend, GrowthCard
from incentives.models.ledger import AccountKind, Entry, Journal, LedgerAccount
from incentives.models.rules import Accrual, EvaluationState, QueuedOrder, RewardForm, RuleSet, RuleSource
from incentives.models.staff import StaffMember, StaffPayout, StaffReward, StaffRewardBasis, StaffRewardScheme

__all__ = [
    "AccountKind",
    "Accrual",
    "CardSource",
    "CardSpend",
    "Entry",
    "EvaluationState",
    "GrowthCard",
    "Journal",
    "LedgerAccount",
    "OrderFlow",
    "QueuedOrder",
    "RewardForm",
    "RuleSet",
    "RuleSource",
    "SettleState",
    "StaffMember",
    "StaffPayout",
    "StaffReward",
    "StaffRewardBasis",
    "StaffRewardScheme",
]
