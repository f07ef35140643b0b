"""Writes the bad-input corpus: one folder per case, each an engagement a client could send.

Every case folder holds ``engagement.yaml`` (or the broken thing itself), its inputs, and
``case.yaml``: the command-line arguments after the folder, environment variables, and the
fragments the error message must contain. Run ``python tests/bad_inputs/make_cases.py`` to
rewrite the corpus after changing a case; the folders are committed as the corpus itself.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from openpyxl import Workbook

HERE = Path(__file__).parent / "cases"
HEADER = (
    "project_id,name,segment,customer,pm_id,project_type,status,baseline_start,"
    "baseline_finish,budget,contract_value"
)


def projects(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "project_id": f"PRJ-{i:03d}",
                "name": f"Project {i}",
                "segment": "Enterprise",
                "customer": "Contoso",
                "pm_id": "P001",
                "project_type": "implementation",
                "status": "active",
                "baseline_start": "2025-01-06",
                "baseline_finish": "2025-12-19",
                "budget": 100000.0 * i,
                "contract_value": 120000.0 * i,
            }
            for i in range(1, n + 1)
        ]
    )


def staff() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "person_id": "P001",
                "name": "Amira Costa",
                "role": "Project Manager",
                "team": "PM",
                "segment": "Enterprise",
            }
        ]
    )


def timesheets() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "person_id": "P001",
                "date": f"2025-03-0{d}",
                "hours": 7.5,
                "activity": "status reporting",
                "project_id": "PRJ-001",
            }
            for d in range(1, 6)
        ]
    )


CASES: dict[str, Callable[[Path], dict[str, Any]]] = {}


def case(fn: Callable[[Path], dict[str, Any]]) -> Callable[[Path], dict[str, Any]]:
    CASES[fn.__name__] = fn
    return fn


def write(folder: Path, tables: dict[str, Any] | None = None, **config: Any) -> None:
    """An engagement with ``tables`` (DataFrame, text or bytes per file name)."""
    (folder / "inputs").mkdir(parents=True, exist_ok=True)
    inputs: dict[str, Any] = {}
    tables = {"projects.csv": projects(), "staff.csv": staff()} if tables is None else tables
    for file, content in tables.items():
        path = folder / "inputs" / file
        if isinstance(content, pd.DataFrame):
            content.to_csv(path, index=False)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        inputs[Path(file).stem] = f"inputs/{file}"
    data: dict[str, Any] = {
        "client": "Acme Holdings",
        "engagement": "acme-2026",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "currency": "EUR",
        "playbooks": ["bi-assessment"],
        "inputs": inputs,
    }
    data.update(config)
    (folder / "engagement.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def with_projects(folder: Path, df: pd.DataFrame, **config: Any) -> None:
    write(folder, {"projects.csv": df, "staff.csv": staff()}, **config)


def with_projects_workbook(folder: Path, wb: Workbook, file: str, sheet: str) -> None:
    """An engagement whose projects table is sheet ``sheet`` of workbook ``wb``."""
    (folder / "inputs").mkdir(parents=True)
    wb.save(folder / "inputs" / file)
    write(folder, {"staff.csv": staff()})
    cfg = yaml.safe_load((folder / "engagement.yaml").read_text())
    cfg["inputs"]["projects"] = {"path": f"inputs/{file}", "sheet": sheet}
    (folder / "engagement.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))


# -- columns -------------------------------------------------------------------------------
@case
def missing_required_column(f: Path) -> dict[str, Any]:
    with_projects(f, projects().drop(columns=["budget"]))
    return {"expect": ["inputs/projects.csv", "column budget", "required column is missing"]}


@case
def misspelt_column(f: Path) -> dict[str, Any]:
    with_projects(f, projects().rename(columns={"contract_value": "contract_valeu"}))
    return {"expect": ["column contract_value", "'contract_valeu', is it misspelt?"]}


@case
def duplicate_column_header(f: Path) -> dict[str, Any]:
    text = HEADER + ",Budget\n" + "PRJ-1,A,E,C,P001,x,active,2025-01-01,2025-02-01,1,2,3\n"
    write(f, {"projects.csv": text, "staff.csv": staff()})
    return {"expect": ["inputs/projects.csv", "budget appear more than once"]}


@case
def merged_header_cells_in_xlsx(f: Path) -> dict[str, Any]:
    wb = Workbook()
    ws = wb.active
    cols = HEADER.split(",")
    ws.append(["Project register"] + [None] * (len(cols) - 1))
    ws.append([*cols[:9], "Money", None])  # budget and contract_value merged under "Money"
    ws.merge_cells("J2:K2")
    for i in range(1, 4):
        ws.append(
            [f"PRJ-{i}", "A", "E", "C", "P001", "x", "active", "2025-01-01", "2025-02-01", 1, 2]
        )
    with_projects_workbook(f, wb, "register.xlsx", "Sheet")
    return {"expect": ["register.xlsx [Sheet]", "column budget", "required column is missing"]}


# -- values --------------------------------------------------------------------------------
@case
def text_in_numeric_column(f: Path) -> dict[str, Any]:
    df = projects().astype({"budget": object})
    df.loc[2, "budget"] = "tbc"
    with_projects(f, df)
    return {"expect": ["column budget, row 4", "cannot be read as number", "'tbc'"]}


@case
def unparseable_dates(f: Path) -> dict[str, Any]:
    df = projects()
    df.loc[0, "baseline_start"] = "next week"
    df.loc[3, "baseline_start"] = "2025-02-30"
    with_projects(f, df)
    return {"expect": ["column baseline_start, rows 2, 5", "cannot be read as date"]}


@case
def mixed_format_dates_with_an_impossible_one(f: Path) -> dict[str, Any]:
    df = projects()
    df.loc[1, "baseline_finish"] = "19/12/2025"
    df.loc[2, "baseline_finish"] = "13/13/2025"
    with_projects(f, df)
    return {"expect": ["column baseline_finish, row 4", "'13/13/2025'"]}


@case
def empty_required_values(f: Path) -> dict[str, Any]:
    df = projects()
    df.loc[1, "name"] = None
    with_projects(f, df)
    return {"expect": ["column name, row 3", "empty value(s) in a required column"]}


@case
def duplicate_keys(f: Path) -> dict[str, Any]:
    df = projects()
    df.loc[3, "project_id"] = "PRJ-001"
    with_projects(f, df)
    return {"expect": ["column project_id, rows 2, 5", "duplicate key values"]}


@case
def duplicate_composite_keys(f: Path) -> dict[str, Any]:
    evm = pd.DataFrame(
        {
            "project_id": ["PRJ-001", "PRJ-001", "PRJ-002"],
            "period_end": ["2025-01-31", "2025-01-31", "2025-01-31"],
            "pv": [1.0, 2.0, 3.0],
            "ev": [1.0, 2.0, 3.0],
            "ac": [1.0, 2.0, 3.0],
        }
    )
    write(
        f,
        {"projects.csv": projects(), "staff.csv": staff(), "evm_snapshots.csv": evm},
        playbooks=["pm-function-audit"],
    )
    return {"expect": ["evm_snapshots.csv", "rows 2-3", "duplicate key values"]}


@case
def negative_hours(f: Path) -> dict[str, Any]:
    ts = timesheets()
    ts.loc[2, "hours"] = -4
    write(
        f,
        {"projects.csv": projects(), "staff.csv": staff(), "timesheets.csv": ts},
        playbooks=["pm-function-audit"],
    )
    return {"expect": ["timesheets.csv", "column hours, row 4", ">= 0"]}


@case
def hours_beyond_a_week(f: Path) -> dict[str, Any]:
    ts = timesheets()
    ts.loc[0, "hours"] = 300
    write(
        f,
        {"projects.csv": projects(), "staff.csv": staff(), "timesheets.csv": ts},
        playbooks=["pm-function-audit"],
    )
    return {"expect": ["column hours, row 2", "<= 168"]}


@case
def negative_budget(f: Path) -> dict[str, Any]:
    df = projects()
    df.loc[0, "budget"] = -5000
    with_projects(f, df)
    return {"expect": ["column budget, row 2", ">= 0"]}


@case
def status_not_allowed(f: Path) -> dict[str, Any]:
    df = projects()
    df.loc[1, "status"] = "Sleeping"
    with_projects(f, df)
    return {
        "expect": [
            "column status, row 3",
            "one of: planned, active, on_hold",
            "'Sleeping'",
            'mappings:\n      projects:\n        status:\n          "Sleeping": ',
        ]
    }


@case
def mapping_to_a_value_not_allowed(f: Path) -> dict[str, Any]:
    df = projects()
    df.loc[1, "status"] = "Sleeping"
    with_projects(f, df, mappings={"projects": {"status": {"Sleeping": "dormant"}}})
    return {
        "expect": [
            "engagement.yaml: mappings:",
            "projects.status: 'Sleeping' is mapped to 'dormant', which is not one of planned",
        ]
    }


@case
def defect_severity_not_allowed(f: Path) -> dict[str, Any]:
    defects = pd.DataFrame(
        {
            "defect_id": ["D1", "D2"],
            "project_id": ["PRJ-001"] * 2,
            "found_date": ["2025-02-01"] * 2,
            "severity": ["high", "cosmic"],
        }
    )
    write(f, {"projects.csv": projects(), "staff.csv": staff(), "defects.csv": defects})
    return {
        "expect": ["defects.csv", "column severity, row 3", "one of: critical, high", "mappings:"]
    }


@case
def yes_no_column_with_garbage(f: Path) -> dict[str, Any]:
    risks = pd.DataFrame(
        {
            "risk_id": ["R1", "R2"],
            "project_id": ["PRJ-001"] * 2,
            "raised_date": ["2025-02-01"] * 2,
            "status": ["open"] * 2,
            "probability": [0.2, 0.5],
            "impact": [3, 4],
            "escalated": ["no", "maybe"],
        }
    )
    write(
        f,
        {"projects.csv": projects(), "staff.csv": staff(), "risks.csv": risks},
        playbooks=["pm-function-audit"],
    )
    return {"expect": ["risks.csv", "column escalated, row 3", "yes/no", "'maybe'"]}


@case
def invoice_amount_with_currency_words(f: Path) -> dict[str, Any]:
    inv = pd.DataFrame(
        {
            "invoice_id": ["I1", "I2"],
            "invoice_number": ["INV-1", "INV-2"],
            "project_id": ["PRJ-001"] * 2,
            "invoice_date": ["2025-02-01"] * 2,
            "due_date": ["2025-03-01"] * 2,
            "amount": ["1200.50", "twelve hundred"],
        }
    )
    write(f, {"projects.csv": projects(), "staff.csv": staff(), "invoices.csv": inv})
    return {"expect": ["invoices.csv", "column amount, row 3", "'twelve hundred'"]}


# -- encodings and separators ----------------------------------------------------------------
@case
def bom_csv_with_a_bad_value(f: Path) -> dict[str, Any]:
    df = projects().astype({"contract_value": object})
    df.loc[0, "contract_value"] = "n/a"
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    write(f, {"projects.csv": buf.getvalue().encode("utf-8-sig"), "staff.csv": staff()})
    return {"expect": ["column contract_value, row 2", "'n/a'"]}


@case
def windows_1252_semicolon_decimal_comma_with_bad_number(f: Path) -> dict[str, Any]:
    lines = [
        HEADER.replace(",", ";"),
        "PRJ-1;Café;Retail;Señor;P001;x;active;2025-01-06;2025-06-30;1.234,50;2.000,00",
        "PRJ-2;Bäcker;Retail;Müller;P001;x;active;2025-01-06;2025-06-30;12 Tsd.;2.000,00",
    ]
    write(f, {"projects.csv": ("\n".join(lines) + "\n").encode("cp1252"), "staff.csv": staff()})
    return {"expect": ["column budget, row 3", "'12 Tsd.'"]}


@case
def tab_separated_with_bad_date(f: Path) -> dict[str, Any]:
    df = projects()
    df.loc[1, "baseline_finish"] = "Q4"
    write(f, {"projects.csv": df.to_csv(index=False, sep="\t"), "staff.csv": staff()})
    return {"expect": ["column baseline_finish, row 3", "'Q4'"]}


# -- files ---------------------------------------------------------------------------------
@case
def empty_file(f: Path) -> dict[str, Any]:
    write(f, {"projects.csv": b"", "staff.csv": staff()})
    return {"expect": ["inputs/projects.csv", "the file is empty"]}


@case
def header_only_file(f: Path) -> dict[str, Any]:
    write(f, {"projects.csv": HEADER + "\n", "staff.csv": staff()})
    return {"expect": ["inputs/projects.csv", "header but no data rows"]}


@case
def blank_lines_only(f: Path) -> dict[str, Any]:
    write(f, {"projects.csv": HEADER + "\n\n,,,,,,,,,,\n\n", "staff.csv": staff()})
    return {"expect": ["inputs/projects.csv", "header but no data rows"]}


@case
def binary_file_named_csv(f: Path) -> dict[str, Any]:
    write(f, {"projects.csv": bytes(range(256)) * 8, "staff.csv": staff()})
    return {"expect": ["inputs/projects.csv", "binary content, not a text CSV file"]}


@case
def excel_workbook_named_csv(f: Path) -> dict[str, Any]:
    buf = io.BytesIO()
    projects().to_excel(buf, index=False)
    write(f, {"projects.csv": buf.getvalue(), "staff.csv": staff()})
    return {"expect": ["inputs/projects.csv", "Excel workbook", "rename it to .xlsx"]}


@case
def corrupt_xls_workbook(f: Path) -> dict[str, Any]:
    # an old-format header and nothing readable behind it (.xls files are read since the
    # intake reads exports as clients send them)
    write(
        f,
        {"projects.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "staff.csv": staff()},
    )
    return {"expect": ["projects.xls", "not a readable Excel workbook"]}


@case
def corrupt_xlsx(f: Path) -> dict[str, Any]:
    write(f, {"projects.xlsx": b"PK\x03\x04 truncated zip", "staff.csv": staff()})
    return {"expect": ["projects.xlsx", "not a readable Excel workbook"]}


@case
def corrupt_parquet(f: Path) -> dict[str, Any]:
    write(f, {"projects.parquet": b"PAR1 not really parquet PAR1", "staff.csv": staff()})
    return {"expect": ["projects.parquet", "not a readable Parquet file"]}


@case
def unsupported_file_type(f: Path) -> dict[str, Any]:
    write(f, {"projects.json": '{"project_id": "PRJ-1"}', "staff.csv": staff()})
    return {"expect": ["projects.json", "unsupported file type '.json'"]}


@case
def missing_sheet(f: Path) -> dict[str, Any]:
    (f / "inputs").mkdir(parents=True)
    projects().to_excel(f / "inputs" / "finance.xlsx", sheet_name="Projects", index=False)
    write(f, {"staff.csv": staff()})
    cfg = yaml.safe_load((f / "engagement.yaml").read_text())
    cfg["inputs"]["projects"] = {"path": "inputs/finance.xlsx", "sheet": "Projets"}
    (f / "engagement.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return {"expect": ["finance.xlsx", "no sheet named 'Projets'", "'Projects'"]}


@case
def excel_error_values(f: Path) -> dict[str, Any]:
    (f / "inputs").mkdir(parents=True)
    df = projects().astype({"budget": object})
    df.loc[1, "budget"] = "#REF!"
    df.loc[2, "budget"] = "#DIV/0!"
    df.to_excel(f / "inputs" / "finance.xlsx", sheet_name="Projects", index=False)
    write(f, {"staff.csv": staff()})
    cfg = yaml.safe_load((f / "engagement.yaml").read_text())
    cfg["inputs"]["projects"] = {"path": "inputs/finance.xlsx", "sheet": "Projects"}
    (f / "engagement.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return {"expect": ["finance.xlsx [Projects]", "column budget, rows 3-4", "'#REF!'"]}


@case
def hidden_sheet_with_bad_values(f: Path) -> dict[str, Any]:
    (f / "inputs").mkdir(parents=True)
    df = projects().astype({"budget": object})
    df.loc[0, "budget"] = "see note"
    with pd.ExcelWriter(f / "inputs" / "finance.xlsx") as xl:
        pd.DataFrame({"note": ["cover"]}).to_excel(xl, sheet_name="Cover", index=False)
        df.to_excel(xl, sheet_name="Projects", index=False)
        xl.book["Projects"].sheet_state = "hidden"
    write(f, {"staff.csv": staff()})
    cfg = yaml.safe_load((f / "engagement.yaml").read_text())
    cfg["inputs"]["projects"] = {"path": "inputs/finance.xlsx", "sheet": "Projects"}
    (f / "engagement.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return {"expect": ["finance.xlsx [Projects]", "column budget, row 2"]}


@case
def input_file_not_found(f: Path) -> dict[str, Any]:
    write(f)
    cfg = yaml.safe_load((f / "engagement.yaml").read_text())
    cfg["inputs"]["expenses"] = "inputs/expenses.csv"
    (f / "engagement.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return {"expect": ["inputs/expenses.csv", "file not found"]}


@case
def input_is_a_folder(f: Path) -> dict[str, Any]:
    write(f)
    (f / "inputs" / "expenses.csv").mkdir()
    # Git keeps no empty folder: a file inside makes the case survive a clone.
    (f / "inputs" / "expenses.csv" / "README.txt").write_text("A folder where a file belongs.\n")
    cfg = yaml.safe_load((f / "engagement.yaml").read_text())
    cfg["inputs"]["expenses"] = "inputs/expenses.csv"
    (f / "engagement.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return {"expect": ["inputs/expenses.csv", "is a folder"]}


@case
def huge_file(f: Path) -> dict[str, Any]:
    big = projects(1).iloc[[0] * 12000].copy()
    big["project_id"] = [f"PRJ-{i:06d}" for i in range(len(big))]
    with_projects(f, big)
    return {
        "expect": ["inputs/projects.csv", "MiB limit for one table"],
        "env": {"WORKBENCH_MAX_INPUT_MB": "1"},
    }


# -- engagement.yaml -----------------------------------------------------------------------
@case
def input_path_outside_the_engagement(f: Path) -> dict[str, Any]:
    write(f)
    cfg = yaml.safe_load((f / "engagement.yaml").read_text())
    cfg["inputs"]["projects"] = "../other-client/projects.csv"
    (f / "engagement.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return {"expect": ["engagement.yaml", "outside the engagement folder"]}


@case
def absolute_input_path_elsewhere(f: Path) -> dict[str, Any]:
    write(f)
    cfg = yaml.safe_load((f / "engagement.yaml").read_text())
    cfg["inputs"]["projects"] = "/etc/passwd"
    (f / "engagement.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return {"expect": ["'/etc/passwd'", "outside the engagement folder"]}


@case
def yaml_with_python_tags(f: Path) -> dict[str, Any]:
    write(f)
    (f / "engagement.yaml").write_text(
        "client: !!python/object/apply:os.system ['touch /tmp/pwned']\nengagement: acme\n"
    )
    return {"expect": ["engagement.yaml line 1", "no !!python or other tags"]}


@case
def yaml_syntax_error(f: Path) -> dict[str, Any]:
    write(f)
    (f / "engagement.yaml").write_text("client: Acme\nperiod: {start: 2025-01-01, end\n")
    return {"expect": ["engagement.yaml line", "not valid YAML"]}


@case
def no_engagement_file(f: Path) -> dict[str, Any]:
    (f / "inputs").mkdir(parents=True)
    projects().to_csv(f / "inputs" / "projects.csv", index=False)
    return {"expect": ["not an engagement folder", "workbench new"]}


@case
def bad_engagement_id(f: Path) -> dict[str, Any]:
    write(f, engagement="Acme Holdings 2026")
    return {"expect": ["engagement: 'Acme Holdings 2026' is not a usable engagement id"]}


@case
def period_end_before_start(f: Path) -> dict[str, Any]:
    write(f, period={"start": "2026-01-01", "end": "2025-01-01"})
    return {"expect": ["period", "is before its start"]}


@case
def unknown_field(f: Path) -> dict[str, Any]:
    write(f, curency="EUR")
    return {"expect": ["curency: unknown field"]}


@case
def unknown_input_table(f: Path) -> dict[str, Any]:
    write(f, {"projects.csv": projects(), "staff.csv": staff(), "projets.csv": projects()})
    return {"expect": ["unknown table 'projets'", "did you mean 'projects'?"]}


@case
def unknown_playbook(f: Path) -> dict[str, Any]:
    write(f, playbooks=["bi-assesment"])
    return {"expect": ["unknown playbook 'bi-assesment'", "did you mean 'bi-assessment'?"]}


@case
def unknown_parameter(f: Path) -> dict[str, Any]:
    write(f, parameters={"bi-assessment": {"aproval_limit": 5000}})
    return {"expect": ["unknown parameter 'aproval_limit'", "did you mean 'approval_limit'?"]}


@case
def ill_typed_parameter(f: Path) -> dict[str, Any]:
    write(f, parameters={"bi-assessment": {"approval_limit": "five thousand"}})
    return {"expect": ["parameter 'approval_limit' must be a float", "'five thousand'"]}


# -- database --------------------------------------------------------------------------------
@case
def password_in_database_url(f: Path) -> dict[str, Any]:
    write(f, database={"url": "postgresql+psycopg://auditor:Sup3rSecret@127.0.0.1:5432/erp"})
    return {
        "expect": ["database.url", "holds a password", "password_env"],
        "absent": ["Sup3rSecret"],
    }


@case
def database_that_does_not_answer(f: Path) -> dict[str, Any]:
    write(
        f,
        playbooks=["database-audit"],
        database={
            "url": "postgresql+psycopg://auditor@127.0.0.1:9/erp",
            "password_env": "ACME_DB_PASSWORD",
        },
    )
    return {
        "expect": ["127.0.0.1:9", "did not answer"],
        "env": {"ACME_DB_PASSWORD": "pw-Zq81"},
        "absent": ["pw-Zq81"],
    }


@case
def database_password_variable_unset(f: Path) -> dict[str, Any]:
    write(
        f,
        playbooks=["database-audit"],
        database={
            "url": "postgresql+psycopg://auditor@127.0.0.1:5432/erp",
            "password_env": "ACME_UNSET_PASSWORD_VAR",
        },
    )
    return {"expect": ["ACME_UNSET_PASSWORD_VAR"]}


@case
def sqlite_database_file_missing(f: Path) -> dict[str, Any]:
    write(f, playbooks=["database-audit"], database={"url": "sqlite:///inputs/erp.sqlite"})
    return {"expect": ["erp.sqlite"]}


@case
def database_rules_break_their_schema(f: Path) -> dict[str, Any]:
    write(
        f,
        playbooks=["database-audit"],
        database={"url": "sqlite:///inputs/erp.sqlite", "rules": "inputs/db_rules.yaml"},
    )
    (f / "inputs" / "db_rules.yaml").write_text(
        "rules:\n  - table: invoices\n    column: amount\n    range: {min: 0}\n"
        "    severity: urgent\n"
    )
    return {"expect": ["inputs/db_rules.yaml", "rules.0.severity"]}


# -- secrets, confinement and hostile settings (issue 16) ---------------------------------
@case
def password_in_database_url_query(f: Path) -> dict[str, Any]:
    url = "postgresql+psycopg://auditor@127.0.0.1:5432/erp?sslmode=prefer&password=Sup3rSecret"
    write(f, playbooks=["database-audit"], database={"url": url})
    return {
        "expect": ["database.url", "holds a password (query parameter 'password')"],
        "absent": ["Sup3rSecret"],
    }


@case
def password_with_a_slash_in_database_url(f: Path) -> dict[str, Any]:
    # the database audit is not even run: the url alone is refused
    write(f, database={"url": "postgresql+psycopg://auditor:Pa/Sup3rSecret@127.0.0.1:5432/erp"})
    return {
        "expect": ["database.url", "holds a password (user:password@)"],
        "absent": ["Sup3rSecret"],
    }


@case
def database_given_as_a_string_with_a_password(f: Path) -> dict[str, Any]:
    write(f, database="postgresql+psycopg://auditor:Pa/Sup3rSecret@127.0.0.1:5432/erp")
    return {"expect": ["engagement.yaml: database", "***"], "absent": ["Sup3rSecret"]}


@case
def sqlite_database_outside_the_engagement(f: Path) -> dict[str, Any]:
    write(f, playbooks=["database-audit"], database={"url": "sqlite:///../other-client/erp.sqlite"})
    return {"expect": ["the database url points at '../other-client/erp.sqlite'", "outside"]}


@case
def sqlite_database_at_an_absolute_path_elsewhere(f: Path) -> dict[str, Any]:
    write(f, playbooks=["database-audit"], database={"url": "sqlite:////srv/other-client/erp.db"})
    return {"expect": ["'/srv/other-client/erp.db'", "outside the engagement folder"]}


@case
def duckdb_url_turning_read_write_on(f: Path) -> dict[str, Any]:
    url = "duckdb:///inputs/erp.duckdb?access_mode=read_write"
    write(f, playbooks=["database-audit"], database={"url": url})
    return {"expect": ["database.url", "takes no options (access_mode)", "read-only"]}


@case
def sqlite_url_as_a_file_uri(f: Path) -> dict[str, Any]:
    write(f, playbooks=["database-audit"], database={"url": "sqlite:///file:/srv/erp.db"})
    return {"expect": ["is a file: URI", "relative to the engagement folder"]}


@case
def yaml_alias_bomb(f: Path) -> dict[str, Any]:
    write(f)
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{', '.join([f'*{previous}'] * 10)}]")
    text = (f / "engagement.yaml").read_text() + "\n".join(lines) + "\n"
    (f / "engagement.yaml").write_text(text)
    return {"expect": ["engagement.yaml line", "aliases (*name) are not allowed"]}


@case
def database_rules_with_an_alias_bomb(f: Path) -> dict[str, Any]:
    write(
        f,
        playbooks=["database-audit"],
        database={"url": "sqlite:///inputs/erp.sqlite", "rules": "inputs/db_rules.yaml"},
    )
    (f / "inputs" / "db_rules.yaml").write_text(
        "ignore_tables: &t [a, a, a, a, a, a, a, a]\nschemas: [*t, *t, *t, *t, *t, *t]\n"
    )
    return {"expect": ["inputs/db_rules.yaml line 2", "aliases (*name) are not allowed"]}


@case
def database_rule_regex_beyond_re2(f: Path) -> dict[str, Any]:
    write(
        f,
        playbooks=["database-audit"],
        database={"url": "sqlite:///inputs/erp.sqlite", "rules": "inputs/db_rules.yaml"},
    )
    (f / "inputs" / "db_rules.yaml").write_text(
        "rules:\n  - table: invoices\n    column: number\n    regex: '^(?=INV)(\\w+)-\\1$'\n"
    )
    return {"expect": ["inputs/db_rules.yaml", "does not compile as RE2"]}


@case
def xlsx_with_a_cell_at_the_last_cell_of_the_sheet(f: Path) -> dict[str, Any]:
    wb = Workbook()
    ws = wb.active
    ws.title = "Projects"
    ws.append(HEADER.split(","))
    ws.append(["PRJ-1", "A", "E", "C", "P001", "x", "active", "2025-01-01", "2025-02-01", 1, 2])
    ws["XFD1048576"] = "x"  # a 5 KB file that declares 17 billion cells
    with_projects_workbook(f, wb, "projects.xlsx", "Projects")
    return {"expect": ["projects.xlsx [Projects]", "row 1,048,576 and column 16,384", "cells"]}


def main() -> None:
    if HERE.exists():
        shutil.rmtree(HERE)
    for name, build in CASES.items():
        folder = HERE / name
        folder.mkdir(parents=True)
        spec = build(folder)
        spec.setdefault("args", [])
        (folder / "case.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    print(f"{len(CASES)} cases written to {HERE}")


if __name__ == "__main__":
    main()
