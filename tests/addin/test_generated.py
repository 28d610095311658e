"""The generated adapters and the function reference are in sync with the registry."""

from pathlib import Path

import pytest

from hashlease.addin import generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", [p.relative_to(ROOT) for p in generate.outputs(ROOT)], ids=str)
def test_generated_file_is_current(path):
    expected = generate.outputs(ROOT)[ROOT / path]
    assert (ROOT / path).read_text("utf-8") == expected, "run: python -m hashlease.addin.generate"


def test_check_mode_reports_nothing_stale(capsys):
    assert generate.main(["--check", "--root", str(ROOT)]) == 0


def test_reference_documents_every_function():
    text = (ROOT / "docs" / "functions.md").read_text("utf-8")
    from hashlease.addin.registry import REGISTRY
    assert all(f"### `{fn.name}(" in text for fn in REGISTRY)
