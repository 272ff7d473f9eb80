"""私域激励计划: one module per part (flows: the platform's per-order fund flow; ledger; rules). Each part adds its
own import lines (explicit re-exports)."""

from incentives.models.flows import OrderFlow as OrderFlow
from incentives.models.flows import SettleState as SettleState
