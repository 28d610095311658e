"""Fixtures shared by the model tests."""

import pytest

from hashlease.models import example_comparison


@pytest.fixture(scope="module")
def base():
    """The worked example: 100 MW of S21s at $0.04/kWh against a 75 MW lease at $130/kW-month."""
    return example_comparison()
