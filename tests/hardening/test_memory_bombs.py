"""Small files that stand for huge tables are refused before they are expanded.

The probe found three: a 2 KB workbook with one cell at ``XFD1048576`` drove the loader to
7.5 GB and a MemoryError traceback; a 2 MB workbook with 1.6 GB of shared strings took
4.9 GB in ``validate``; a CSV with a valid head and a 2 GB sparse tail crashed with an Arrow
memory traceback. Each is given to ``workbench validate`` in a child process whose address
space is capped at 1.5 GB (``RLIMIT_AS``): the answer is exit 2 with a message naming the
file and the limit, no traceback, and the child's peak memory stays far below the cap.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.hardening.engagements import write_engagement

#: The address space the child may use, and the peak it must stay under.
CAP_BYTES = 1536 * 1024**2
FAR_BELOW_BYTES = 600 * 1024**2

VALIDATE_UNDER_A_CAP = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from workbench.cli import main
code = main(["validate", sys.argv[1]])
# VmHWM, the peak of this process's own memory: ru_maxrss would also count the memory of
# the process it was started from (Linux carries it across fork and exec)
status = open("/proc/self/status").read()
peak_kib = int(status.split("VmHWM:", 1)[1].split()[0])
print(f"peak={{peak_kib * 1024}}", file=sys.stderr)
sys.exit(code)
"""

HEADER = [
    "project_id",
    "name",
    "segment",
    "customer",
    "pm_id",
    "project_type",
    "status",
    "baseline_start",
    "baseline_finish",
    "budget",
    "contract_value",
]
ROW = [
    "PRJ-1",
    "Atlas",
    "Enterprise",
    "Contoso",
    "P001",
    "implementation",
    "active",
    "2025-01-06",
    "2025-12-19",
    100000,
    120000,
]


def _engagement(folder: Path, projects: str) -> Path:
    return write_engagement(folder, playbooks=["bi-assessment"], inputs={"projects": projects})


def _validate(folder: Path) -> tuple[int, str, int]:
    proc = subprocess.run(
        [sys.executable, "-c", VALIDATE_UNDER_A_CAP.format(cap=CAP_BYTES), str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    peak = int(proc.stderr.rsplit("peak=", 1)[1].split()[0]) if "peak=" in proc.stderr else -1
    return proc.returncode, proc.stdout + proc.stderr, peak


def _assert_refused(folder: Path, *fragments: str) -> int:
    code, output, peak = _validate(folder)
    assert code == 2, output
    for fragment in fragments:
        assert fragment in output, output
    assert "Traceback" not in output and "MemoryError" not in output
    assert 0 < peak < FAR_BELOW_BYTES, f"peak {peak / 1024**2:.0f} MiB"
    return peak


def test_a_workbook_with_a_cell_at_the_last_cell_of_the_sheet(tmp_path: Path) -> None:
    folder = _engagement(tmp_path / "acme", "inputs/projects.xlsx")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet["XFD1048576"] = "x"
    book.save(folder / "inputs" / "projects.xlsx")
    assert (folder / "inputs" / "projects.xlsx").stat().st_size < 10_000
    _assert_refused(
        folder, "projects.xlsx", "row 1,048,576 and column 16,384", "limit of 20,000,000 cells"
    )


#: Where a workbook declares its shared strings (openpyxl writes inline strings instead).
_DECLARE_STRINGS = {
    "[Content_Types].xml": (
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>',
    ),
    "xl/_rels/workbook.xml.rels": (
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rSST"/>',
    ),
}


def _shared_strings_bomb(path: Path, expanded: int) -> None:
    """A workbook whose shared strings expand to ``expanded`` bytes."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROW)
    plain = io.BytesIO()
    book.save(plain)
    unit = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename in _DECLARE_STRINGS and b"sharedStrings" not in data:
                end, declaration = _DECLARE_STRINGS[item.filename]
                data = data.replace(end, declaration + end)
            if item.filename != "xl/sharedStrings.xml":
                target.writestr(item, data)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            block = unit * 1024
            for _ in range(expanded // len(block)):
                out.write(block)
            out.write(b"</sst>")


def test_a_workbook_whose_shared_strings_expand_to_1_6_gb(tmp_path: Path) -> None:
    folder = _engagement(tmp_path / "acme", "inputs/projects.xlsx")
    path = folder / "inputs" / "projects.xlsx"
    _shared_strings_bomb(path, 1600 * 1024**2)
    assert path.stat().st_size < 4 * 1024**2
    _assert_refused(folder, "projects.xlsx", "xl/sharedStrings.xml", "limit of the workbook reader")


def test_a_csv_with_a_valid_head_and_a_2_gb_sparse_tail(tmp_path: Path) -> None:
    folder = _engagement(tmp_path / "acme", "inputs/projects.csv")
    path = folder / "inputs" / "projects.csv"
    head = ",".join(HEADER) + "\n" + "\n".join(",".join(map(str, ROW)) for _ in range(5000))
    path.write_text(head + "\n")
    with path.open("r+b") as fh:
        fh.truncate(2 * 1024**3)  # a hole: no disk used, NUL bytes when read
    _assert_refused(folder, "projects.csv", "binary content at byte", "NUL")


def test_a_table_past_the_cell_limit_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same bound on an honest file: 3,000 rows of 11 columns against a 30,000 limit."""
    from workbench.errors import InputError
    from workbench.io.readers import read_csv

    path = tmp_path / "projects.csv"
    path.write_text(
        ",".join(HEADER) + "\n" + "".join(",".join(map(str, ROW)) + "\n" for _ in range(3000))
    )
    monkeypatch.setenv("WORKBENCH_MAX_INPUT_CELLS", "30000")
    with pytest.raises(InputError, match="above the limit of 30,000 cells"):
        read_csv(path)
    monkeypatch.setenv("WORKBENCH_MAX_INPUT_CELLS", "40000")
    assert len(read_csv(path).frame) == 3000


def test_an_honest_workbook_reads_as_before_under_the_bounds(tmp_path: Path) -> None:
    from workbench.io.readers import read_xlsx

    book = Workbook()
    sheet = book.active
    sheet.title = "Projects"
    sheet.append(["Project register"])
    sheet.append(HEADER)
    for i in range(3):
        sheet.append([f"PRJ-{i}", *ROW[1:]])
    sheet["M40"] = None  # a styled, empty cell far out
    sheet["M40"].number_format = "0.00"
    book.save(tmp_path / "p.xlsx")
    raw = read_xlsx(tmp_path / "p.xlsx", "Projects", HEADER)
    assert list(raw.frame.columns) == HEADER
    assert list(raw.frame["project_id"].dropna()) == ["PRJ-0", "PRJ-1", "PRJ-2"]
    assert raw.frame.index[0] == 3  # the client's row numbers
