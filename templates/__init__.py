"""The workbook template, built by ``hashlease template`` (see hashlease.workbook.template); installed as package data."""
