"""Vocabularies: the allowed values of a categorical column and the spellings that mean them.

Clients write ``Closure``, ``Close-out`` or ``WIP`` where the data request says ``closing``
or ``active``. A :class:`Vocabulary` declares, beside the allowed values, the usual other
spellings, abbreviations and synonyms of each, so that a client's export is read as it is.
What no vocabulary knows is mapped per engagement (``mappings:`` in ``engagement.yaml``);
:meth:`Vocabulary.guesses` proposes the mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_value(value: Any) -> str:
    """A value as vocabularies compare it: lower-case, punctuation and spaces as one ``_``.

    ``"Close-out"``, ``"close out"`` and ``"CLOSE_OUT"`` are all ``close_out``. A value made
    only of punctuation (``"-"``) is kept as written, trimmed.
    """
    text = str(value).replace("\ufeff", "").strip().lower()
    return _NOT_WORD.sub("_", text).strip("_") or text


@dataclass(frozen=True)
class Vocabulary:
    """Allowed values, each with the other spellings that mean it.

    Parameters
    ----------
    synonyms : mapping of str to iterable of str, or to one comma-separated str
        Allowed (canonical) value -> other spellings. Spellings are compared after
        :func:`normalise_value`, so case, spaces, dashes and dots need not be listed.
    """

    synonyms: Mapping[str, tuple[str, ...]]
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __init__(self, synonyms: Mapping[str, str | Iterable[str]]) -> None:
        frozen = {
            value: tuple(o.strip() for o in others.split(","))
            if isinstance(others, str)
            else tuple(others)
            for value, others in synonyms.items()
        }
        object.__setattr__(self, "synonyms", frozen)
        lookup: dict[str, str] = {}
        for value, others in frozen.items():
            for spelling in (value, *others):
                key = normalise_value(spelling)
                if lookup.get(key, value) != value:
                    raise ValueError(f"{spelling!r} would mean both {lookup[key]!r} and {value!r}")
                lookup[key] = value
        object.__setattr__(self, "_lookup", lookup)

    @property
    def values(self) -> list[str]:
        """The allowed values, in declaration order."""
        return list(self.synonyms)

    def canonical(self, value: Any) -> str | None:
        """The allowed value ``value`` stands for, or ``None`` if the vocabulary does not
        know it."""
        return self._lookup.get(normalise_value(value))

    def guesses(self, value: Any, limit: int = 3) -> list[tuple[str, float]]:
        """The allowed values ``value`` most likely means, best first, with a 0-100 score.

        Fuzzy matching (rapidfuzz ``WRatio``) over every allowed value and synonym; each
        allowed value appears once, with the score of its closest spelling.
        """
        from rapidfuzz import fuzz, process

        query = normalise_value(value).replace("_", " ")
        choices = {key: key.replace("_", " ") for key in self._lookup}
        best: dict[str, float] = {}
        for _, score, key in process.extract(
            query, choices, scorer=fuzz.WRatio, limit=len(choices)
        ):
            canonical = self._lookup[key]
            best[canonical] = max(best.get(canonical, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda item: (-item[1], self.values.index(item[0])))
        return ranked[:limit]


#: yes/no columns: every common way of writing a boolean in an export.
YES_NO = Vocabulary(
    {
        "yes": "true, y, 1, 1.0, x, t, ja, j, oui, si, sí, wahr, on",
        "no": "false, n, 0, 0.0, -, f, nein, non, falsch, off, none",
    }
)
