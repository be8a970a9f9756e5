"""engine/inspections/draw.py stays pure while the package around it reads the database: it
imports the standard library only (docs/inspections.md: anyone can re-run it from the published inputs)."""
import ast
import sys
from pathlib import Path

DRAW = Path(__file__).resolve().parents[2] / "engine" / "inspections" / "draw.py"


def test_the_draw_imports_the_standard_library_only():
    names = set()
    for node in ast.walk(ast.parse(DRAW.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module.split(".")[0])
    assert names and names <= set(sys.stdlib_module_names) | {"__future__"}, names
