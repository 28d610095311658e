"""Every docstring example in the package runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

import hashlease
import hashlease.models


def _modules():
    names = ["hashlease.market", "hashlease.cli", "hashlease.power_curve", "hashlease.atomic"]
    names += [f"hashlease.models.{info.name}" for info in pkgutil.iter_modules(hashlease.models.__path__)]
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert failures == 0, f"{failures} doctest example(s) failed in {name}"


def test_every_public_model_function_has_an_example():
    missing = [name for name in hashlease.models.__all__
               if callable(obj := getattr(hashlease.models, name)) and not isinstance(obj, type)
               and ">>>" not in (obj.__doc__ or "")]
    assert missing == []


def test_readme_examples():
    from pathlib import Path

    readme = Path(__file__).resolve().parents[1] / "README.md"
    failures, tried = doctest.testfile(str(readme), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
