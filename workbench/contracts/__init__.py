"""The data request, declared once: every input table, its columns, types, keys and rules.

The declarations in :mod:`workbench.contracts.tables` are pandera schemas whose column
metadata (meaning, kind, example, required) drive loading and coercion
(:mod:`workbench.io`), validation messages, and the Excel data-request workbook sent to
clients (:mod:`workbench.datarequest`).
"""

from workbench.contracts.schema import ColumnInfo, TableContract, normalise_name
from workbench.contracts.tables import CONTRACTS, RELATIONS, Relation, contract

__all__ = [
    "CONTRACTS",
    "RELATIONS",
    "ColumnInfo",
    "Relation",
    "TableContract",
    "contract",
    "normalise_name",
]
