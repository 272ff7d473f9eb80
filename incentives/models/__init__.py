"""私域激励计划: one module per part.

- ``rules``: versioned rule sets, their eligible sources, and the accruals the evaluation writes.
"""

from incentives.models.rules import Accrual, RewardForm, RuleSet, RuleSource

__all__ = [
    "Accrual",
    "RewardForm",
    "RuleSet",
    "RuleSource",
]
