"""Workbooks: build the template, check untrusted files, recalculate headless, write formulas and values."""
