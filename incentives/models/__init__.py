"""Incentives (私域激励计划): one module per part.

- ``ledger``: the double-entry ledger in fen (accounts, journals, entries) that accruals, growth cards and staff
  rewards post to.
"""

from incentives.models.ledger import AccountKind, Entry, Journal, LedgerAccount

__all__ = [
    "AccountKind",
    "Entry",
    "Journal",
    "LedgerAccount",
]
