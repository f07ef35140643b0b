"""``python -m workbench.tools.check_notebooks notebooks``: playbooks are stored without
outputs, so diffs stay reviewable and no client data is ever committed inside a notebook."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def dirty_cells(path: Path) -> list[int]:
    """Indexes of code cells that carry outputs or an execution count."""
    nb = nbformat.read(path, as_version=4)
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv] or [Path("notebooks")]
    bad = []
    for folder in folders:
        for path in sorted(folder.glob("*.ipynb")):
            cells = dirty_cells(path)
            if cells:
                bad.append(
                    f"{path}: outputs stored in cell(s) {', '.join(map(str, cells))}; "
                    "run `make format` (nbstripout) before committing"
                )
    print("\n".join(bad) or "notebooks are stored without outputs")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
