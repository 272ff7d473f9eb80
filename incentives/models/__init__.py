"""私域激励计划: one module per part.

- ``flows``: the platform's per-order fund flow (what it really charged);
- ``ledger``: the double-entry ledger in fen (accounts, journals, entries) that accruals, growth cards and staff
  rewards post to;
- ``rules``: the programme's versioned rule sets and the accruals evaluated from them.
"""

from incentives.models.flows import OrderFlow, SettleState
from incentives.models.ledger import AccountKind, Entry, Journal, LedgerAccount

__all__ = [
    "AccountKind",
    "Entry",
    "Journal",
    "LedgerAccount",
    "OrderFlow",
    "SettleState",
]
