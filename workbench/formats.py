"""How numbers and amounts read in every deliverable: one rule, used by the playbooks'
narrative and findings and by the report alike.

Amounts in a sentence or a headline are compact (:func:`money`): ``EUR 1.6m``,
``EUR 616k``, ``EUR 9,500``. Amounts in a table column are exact (:func:`format_amount`):
``1,615,234``; the exact value of every finding is also in the register.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def _number(value: Any) -> float | None:
    """``value`` as a finite float, or None when it is missing or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def money(value: Any, currency: str = "") -> str:
    """An amount as a sentence or a headline shows it: ``EUR 1.8m``, ``EUR 214k``, ``EUR 950``.

    Parameters
    ----------
    value : number or None
        The amount.
    currency : str
        ISO code shown before the amount (none when empty).

    Returns
    -------
    str
        Billions and millions with one decimal (``1.2bn``, ``1.8m``), thousands without
        decimals from 10,000 (``214k``), smaller amounts in whole units with a thousands
        separator (``9,500``); the sign before the digits (``EUR -1.2m``); ``n/a`` when the
        amount is missing or not a number. A value that rounds up to the next unit is shown
        in it (999,700 is ``1.0m``, not ``1000k``).
    """
    number = _number(value)
    if number is None:
        return "n/a"
    magnitude = abs(number)
    if round(magnitude / 1e6, 1) >= 1000:
        text = f"{number / 1e9:.1f}bn"
    elif round(magnitude / 1e3) >= 1000:
        text = f"{number / 1e6:.1f}m"
    elif round(magnitude) >= 1e4:
        text = f"{number / 1e3:.0f}k"
    else:
        text = f"{number:,.0f}"
    return f"{currency} {text}".strip()


def _cell(value: Any, render: Callable[[float], str]) -> str:
    """``render`` of a number in a table cell: blank when missing, text kept as it is."""
    if value is None or value == "":
        return ""
    try:
        return render(float(value))
    except (TypeError, ValueError):
        return str(value)


def format_int(value: Any) -> str:
    """An integer with thousands separators (``1,234``); blank for missing values."""
    return _cell(value, lambda v: f"{round(v):,}")


def format_amount(value: Any, decimals: int = 0) -> str:
    """An amount in a table: thousands separators (``1,830,000``); blank when missing."""
    return _cell(value, lambda v: f"{v:,.{decimals}f}")


def format_share(value: Any) -> str:
    """A share as a percentage with one decimal (``2.2%``); blank for missing values."""
    return _cell(value, lambda v: f"{v * 100:.1f}%")


__all__ = ["format_amount", "format_int", "format_share", "money"]
