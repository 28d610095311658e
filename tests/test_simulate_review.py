"""Regressions found reviewing ``hashlease simulate`` on the compiled engine (issue 15)."""

from __future__ import annotations

import openpyxl
import pytest
from typer.testing import CliRunner

from hashlease.cli import app
from hashlease.simulate import MAX_CHUNK_SIZE
from hashlease.workbook.compiled import MAX_SCENARIOS_PER_PASS


def test_chunk_size_above_one_compiled_pass_is_refused_naming_the_option(tmp_path):
    """--chunk-size 150000 was accepted (up to 1,000,000) and then every chunk failed inside the compiled engine
    with "scenarios must be 1 to 100,000 per pass", which names no option. Refused up front, naming
    --chunk-size, its value and the accepted range."""
    assert MAX_CHUNK_SIZE == MAX_SCENARIOS_PER_PASS
    book = tmp_path / "tiny.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B1"] = 1.0, "=A1*2"
    wb.save(book)
    spec = tmp_path / "spec.yaml"
    spec.write_text("S!A1: {distribution: uniform, low: 0, high: 1}\n")
    runner = CliRunner()
    refused = runner.invoke(app, ["simulate", str(book), str(spec), "-n", "150000", "--chunk-size", "150000",
                                  "--seed", "1", "-o", str(tmp_path / "out"), "--output", "S!B1"])
    assert refused.exit_code == 1
    text = " ".join(refused.output.split())
    assert "--chunk-size" in text and "150000" in text.replace(",", "") and "100,000" in text
    assert not (tmp_path / "out" / "iterations.parquet").exists()
