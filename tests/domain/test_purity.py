"""The domain package stays pure: standard library and itself only, no I/O."""
import ast
import sys
from pathlib import Path

from hypothesis import given, strategies as st

from domain.catalogue import key
from domain.entities import normalise_name
from domain.text import normalise_ocr_text

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
IO_CALLS = {"open", "input", "print"}


def test_imports_only_the_standard_library_and_domain():
    for path in DOMAIN.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            for root in roots:
                assert root == "domain" or root in sys.stdlib_module_names, (path.name, root)


def test_no_io_calls():
    for path in DOMAIN.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not calls & IO_CALLS, (path.name, calls & IO_CALLS)


@given(st.text())
def test_normalisers_are_idempotent(text):
    assert normalise_name(normalise_name(text)) == normalise_name(text)
    assert normalise_ocr_text(normalise_ocr_text(text)) == normalise_ocr_text(text)
    assert key(key(text)) == key(text)
