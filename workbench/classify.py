"""Free-text labels classified against a shipped catalogue: exact, synonym, keyword, fuzzy.

A client's timesheets say ``PMO governance`` or ``Template preparation`` where the activity
catalogue says ``governance review`` or ``template maintenance``. A :class:`Matcher` is
built once from a catalogue's entry names, synonyms and keywords and gives each label a
class, a confidence and how it was decided:

========== ============================================================ ==========
method     when                                                         confidence
========== ============================================================ ==========
override   the consultant classified the label (``classify:`` in        1.0
           engagement.yaml)
exact      the label is an entry's name (case, spaces, punctuation and  1.0
           plurals aside)
synonym    the label is one of an entry's synonyms                      1.0
fuzzy      the label is within a few typing errors of a name or synonym score/100
           (rapidfuzz ``token_sort_ratio`` >= 90)
keyword    the label holds an entry's keyword; the longest keyword      0.85 (0.6
           wins                                                         if classes
                                                                        disagree)
fuzzy      a weaker likeness (score 80-90)                              score/100
unclassified nothing matched                                            0
========== ============================================================ ==========
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

#: below this confidence a label's hours are named as a limitation
LOW_CONFIDENCE = 0.7
#: token_sort_ratio at which a likeness is taken before keywords, and the least taken at all
FUZZY_SURE = 90.0
FUZZY_MIN = 80.0
KEYWORD_CONFIDENCE = 0.85
KEYWORD_CONFLICT_CONFIDENCE = 0.6

_SPLIT = re.compile(r"[\W_]+", re.UNICODE)


def _stem(token: str) -> str:
    # plurals only: "audits" is "audit", "KPIs" is "kpi"; "process" stays
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def tokens(text: object) -> tuple[str, ...]:
    """A label as compared: lower-case words, plurals folded."""
    return tuple(_stem(t) for t in _SPLIT.split(str(text).lower()) if t)


def _key(text: object) -> str:
    return " ".join(tokens(text))


def _items(cell: object) -> list[str]:
    """A catalogue cell listing several spellings, separated by ``;``."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]


@dataclass(frozen=True)
class Entry:
    """One catalogue entry: its name, class and the words that point at it."""

    name: str
    cls: str
    synonyms: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


def extend_catalogue(
    shipped: pd.DataFrame, client: pd.DataFrame | None, name_column: str
) -> pd.DataFrame:
    """The shipped catalogue with the client's entries added; a client entry of the same
    name replaces the shipped one (the client's catalogue extends, it does not replace)."""
    if client is None or client.empty:
        return shipped.reset_index(drop=True)
    client = client.copy()
    client.columns = [str(c).strip().lower() for c in client.columns]
    names = {_key(n) for n in client[name_column]}
    kept = shipped[~shipped[name_column].map(_key).isin(names)]
    return pd.concat([client, kept], ignore_index=True).reindex(
        columns=list(dict.fromkeys([*shipped.columns, *client.columns]))
    )


class Matcher:
    """Classifies free-text labels against one catalogue.

    Parameters
    ----------
    entries : iterable of Entry
        The catalogue.
    overrides : mapping of str to str, optional
        Label -> class or entry name, decided by the consultant.
    """

    def __init__(self, entries: Iterable[Entry], overrides: Mapping[str, str] | None = None):
        self.entries = list(entries)
        self.classes = sorted({e.cls for e in self.entries})
        by_name = {_key(e.name): e for e in self.entries}
        self._exact = by_name
        self._synonyms: dict[str, Entry] = {}
        for entry in self.entries:
            for synonym in entry.synonyms:
                self._synonyms.setdefault(_key(synonym), entry)
        self._keywords = sorted(
            ((tokens(k), e) for e in self.entries for k in e.keywords),
            key=lambda item: -len(" ".join(item[0])),
        )
        self._choices = {**self._synonyms, **by_name}
        self._overrides: dict[str, tuple[str, str]] = {}
        for label, target in (overrides or {}).items():
            named = by_name.get(_key(target))
            if named is not None:
                self._overrides[_key(label)] = (named.cls, named.name)
            elif str(target).strip().lower() in self.classes:
                self._overrides[_key(label)] = (str(target).strip().lower(), "")
            else:
                raise ValueError(
                    f"{label!r} is classified as {target!r}, which is neither a class "
                    f"({', '.join(self.classes)}) nor an entry of the catalogue"
                )

    @classmethod
    def from_frame(
        cls,
        catalogue: pd.DataFrame,
        name_column: str,
        class_column: str,
        overrides: Mapping[str, str] | None = None,
    ) -> Matcher:
        """A matcher from a catalogue table with optional ``synonyms`` and ``keywords``
        columns (several per cell, separated by ``;``)."""
        entries = [
            Entry(
                name=str(row[name_column]).strip(),
                cls=str(row[class_column]).strip().lower(),
                synonyms=tuple(_items(row.get("synonyms"))),
                keywords=tuple(_items(row.get("keywords"))),
            )
            for _, row in catalogue.iterrows()
            if pd.notna(row[name_column]) and str(row[name_column]).strip()
        ]
        return cls(entries, overrides)

    def _fuzzy(self, key: str) -> tuple[Entry | None, float]:
        from rapidfuzz import fuzz, process

        found = process.extractOne(key, list(self._choices), scorer=fuzz.token_sort_ratio)
        if found is None:
            return None, 0.0
        return self._choices[found[0]], float(found[1])

    def _keyword(self, words: tuple[str, ...]) -> tuple[Entry | None, float]:
        hits: list[tuple[int, int, Entry]] = []
        for phrase, entry in self._keywords:
            n = len(phrase)
            for start in range(len(words) - n + 1):
                if words[start : start + n] == phrase:
                    hits.append((len(" ".join(phrase)), start, entry))
                    break
        if not hits:
            return None, 0.0
        longest = max(h[0] for h in hits)
        best = min((h for h in hits if h[0] == longest), key=lambda h: h[1])[2]
        agree = all(h[2].cls == best.cls for h in hits)
        return best, KEYWORD_CONFIDENCE if agree else KEYWORD_CONFLICT_CONFIDENCE

    def match(self, label: object) -> dict[str, object]:
        """One label: ``{"label", "class", "entry", "confidence", "method"}``."""
        key = _key(label)
        out: dict[str, object] = {"label": label, "class": "unclassified", "entry": ""}
        if key in self._overrides:
            cls_, entry_name = self._overrides[key]
            return {**out, "class": cls_, "entry": entry_name, "confidence": 1.0,
                    "method": "override"}  # fmt: skip
        for method, table in (("exact", self._exact), ("synonym", self._synonyms)):
            if key in table:
                entry = table[key]
                return {**out, "class": entry.cls, "entry": entry.name, "confidence": 1.0,
                        "method": method}  # fmt: skip
        near, score = self._fuzzy(key) if key else (None, 0.0)
        if near is not None and score >= FUZZY_SURE:
            return {**out, "class": near.cls, "entry": near.name, "confidence": score / 100,
                    "method": f"fuzzy {score:.0f}"}  # fmt: skip
        hit, confidence = self._keyword(tuple(key.split()))
        if hit is not None:
            return {**out, "class": hit.cls, "entry": hit.name, "confidence": confidence,
                    "method": "keyword"}  # fmt: skip
        if near is not None and score >= FUZZY_MIN:
            return {**out, "class": near.cls, "entry": near.name, "confidence": score / 100,
                    "method": f"fuzzy {score:.0f}"}  # fmt: skip
        return {**out, "confidence": 0.0, "method": "unclassified"}

    def classify(self, labels: Iterable[object]) -> pd.DataFrame:
        """Each distinct label once: label, class, entry, confidence, method."""
        distinct = list(dict.fromkeys(labels))
        rows = [self.match(label) for label in distinct]
        return pd.DataFrame(rows, columns=["label", "class", "entry", "confidence", "method"])

    def guesses(self, label: object, limit: int = 3) -> list[tuple[str, float]]:
        """Entries ``label`` most likely is, with a 0-100 score, for a proposed override."""
        from rapidfuzz import fuzz, process

        best: dict[str, float] = {}
        for choice, score, _ in process.extract(
            _key(label), list(self._choices), scorer=fuzz.WRatio, limit=20
        ):
            name = self._choices[choice].name
            best[name] = max(best.get(name, 0.0), float(score))
        return sorted(best.items(), key=lambda item: -item[1])[:limit]
