"""The demo client's people and projects, shared by every area's generator.

The demo client is "Northwind Projects Ltd", a services firm with four segments that
delivers projects over two years. Everything is drawn from one seeded generator so the
demo engagement (and its answer key) is the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

SEGMENTS = ["Enterprise", "Public Sector", "Telecom", "Retail"]
PROJECT_TYPES = ["implementation", "consulting", "infrastructure"]
PHASES = ["initiation", "planning", "execution", "closing"]
PERIOD_START = date(2024, 7, 1)
PERIOD_END = date(2026, 6, 30)

_FIRST = [
    "Amira",
    "Ben",
    "Chen",
    "Dara",
    "Elif",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tess",
    "Umar",
    "Vera",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
]
_LAST = [
    "Adler",
    "Brandt",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Laurent",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rossi",
    "Silva",
    "Tanaka",
]
_CUSTOMERS = [
    "Contoso Bank",
    "Fabrikam Telecom",
    "City of Lindford",
    "Tailspin Retail",
    "Litware Insurance",
    "Adatum Health",
    "Proseware Energy",
    "Woodgrove Logistics",
    "Margie's Travel",
    "Coho Utilities",
    "Alpine Ski House",
    "Wide World Importers",
]


@dataclass
class DemoContext:
    """What the area generators share: the seeded RNG, the tables so far, the answer key."""

    seed: int = 20260101
    rng: np.random.Generator = field(init=False)
    period_start: date = PERIOD_START
    period_end: date = PERIOD_END
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    answer_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: files other than input tables (e.g. the SQLite database), relative path -> bytes writer
    extra_files: dict[str, Any] = field(default_factory=dict)
    #: engagement.yaml parameters per playbook (what a consultant would declare, e.g. scales)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def rng_for(self, area: str) -> np.random.Generator:
        """An independent seeded generator per area: one area's changes never move another's."""
        return np.random.default_rng([self.seed, *area.encode()])

    def plant(self, playbook: str, check: str, ids: Any) -> None:
        """Record what was planted: ``answer_key[playbook][check]`` (ids sorted if a list)."""
        if isinstance(ids, (list, tuple, set)):
            ids = sorted(str(i) for i in ids)
        self.answer_key.setdefault(playbook, {})[check] = ids


def make_staff(ctx: DemoContext) -> pd.DataFrame:
    """Sixty people: PMs, a thin PMO, delivery staff, finance and directors."""
    rng = ctx.rng
    roles = (
        ["Project Manager"] * 14
        + ["PMO Analyst"] * 3
        + ["Engineer"] * 24
        + ["Consultant"] * 12
        + ["Finance Officer"] * 3
        + ["Director"] * 4
    )
    rows = []
    names: set[str] = set()
    for i, role in enumerate(roles, start=1):
        while True:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            if name not in names:
                names.add(name)
                break
        segment = SEGMENTS[i % len(SEGMENTS)]
        team = {
            "Project Manager": f"PM {segment}",
            "PMO Analyst": "PMO",
            "Finance Officer": "Finance",
            "Director": "Leadership",
        }.get(role, f"Delivery {segment}")
        hire = pd.Timestamp("2016-01-01") + pd.Timedelta(days=int(rng.integers(0, 3000)))
        rows.append(
            {
                "person_id": f"P{i:03d}",
                "name": name,
                "role": role,
                "team": team,
                "segment": segment
                if role not in ("Director", "Finance Officer", "PMO Analyst")
                else "Corporate",
                "grade": {"Director": "G7", "Project Manager": "G5", "PMO Analyst": "G4"}.get(
                    role, "G3"
                ),
                "hire_date": hire.date(),
                "leave_date": None,
                "manager_id": None,
            }
        )
    staff = pd.DataFrame(rows)
    directors = staff.loc[staff.role == "Director", "person_id"].tolist()
    staff["manager_id"] = [
        None if r == "Director" else directors[i % len(directors)] for i, r in enumerate(staff.role)
    ]
    # Two leavers: one engineer and one consultant left during the period.
    for pid, left in (("P020", date(2025, 9, 30)), ("P045", date(2026, 2, 28))):
        staff.loc[staff.person_id == pid, "leave_date"] = left
    return staff


def make_projects(ctx: DemoContext, staff: pd.DataFrame) -> pd.DataFrame:
    """Forty projects across the four segments, most started during the period."""
    rng = ctx.rng
    pms = staff.loc[staff.role == "Project Manager"].reset_index(drop=True)
    rows = []
    for i in range(1, 41):
        segment = SEGMENTS[(i - 1) % len(SEGMENTS)]
        seg_pms = pms.loc[pms.segment == segment, "person_id"].tolist() or pms.person_id.tolist()
        pm = seg_pms[int(rng.integers(0, len(seg_pms)))]
        ptype = PROJECT_TYPES[int(rng.integers(0, len(PROJECT_TYPES)))]
        start = pd.Timestamp(ctx.period_start) + pd.Timedelta(days=int(rng.integers(-150, 560)))
        months = int(rng.integers(8, 20))
        finish = start + pd.DateOffset(months=months)
        budget = float(round(rng.uniform(150_000, 1_800_000), -3))
        margin = rng.uniform(0.12, 0.35)
        status_cut = pd.Timestamp(ctx.period_end)
        if finish < status_cut - pd.Timedelta(days=30):
            status, phase = "closed", "closing"
        elif start > status_cut:
            status, phase = "planned", "initiation"
        else:
            status = "active"
            elapsed = (status_cut - start) / (finish - start)
            phase = "planning" if elapsed < 0.15 else "execution"
        rows.append(
            {
                "project_id": f"PRJ-{i:03d}",
                "name": f"{_CUSTOMERS[i % len(_CUSTOMERS)].split()[0]} {ptype.title()} {i:02d}",
                "segment": segment,
                "customer": _CUSTOMERS[i % len(_CUSTOMERS)],
                "pm_id": pm,
                "project_type": ptype,
                "status": status,
                "baseline_start": start.date(),
                "baseline_finish": finish.date(),
                "budget": budget,
                "contract_value": float(round(budget * (1 + margin), -3)),
                "actual_start": (start + pd.Timedelta(days=int(rng.integers(0, 20)))).date(),
                "actual_finish": None,
                "forecast_finish": finish.date(),
                "phase": phase,
            }
        )
    projects = pd.DataFrame(rows)
    closed = projects.status == "closed"
    projects.loc[closed, "actual_finish"] = [
        (pd.Timestamp(f) + pd.Timedelta(days=int(rng.integers(-10, 45)))).date()
        for f in projects.loc[closed, "baseline_finish"]
    ]
    return projects


def build_core(ctx: DemoContext) -> None:
    """Add ``staff`` and ``projects`` to the context."""
    staff = make_staff(ctx)
    ctx.tables["staff"] = staff
    ctx.tables["projects"] = make_projects(ctx, staff)
