"""Stand-ins for the Windows-only modules xlwings' classic UDF machinery imports (pywin32, ctypes.windll).

They let the *real* ``xlwings.udfs``, ``xlwings._xlwindows`` and ``xlwings.com_server`` import on Linux, so the
adapter-contract tests run xlwings' own metadata, VBA generation and value conversion. They stand in only for
the operating system: nothing of xlwings is replaced. What they cannot show (COM marshalling, Excel itself) is
listed in docs/addin.md.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import importlib
import sys
import types


class Anything:
    """A permissive object: every attribute and call gives another one."""

    def __init__(self, name: str = "anything") -> None:
        self._name = name

    def __getattr__(self, item: str) -> "Anything":
        if item.startswith("__") and item.endswith("__"):
            raise AttributeError(item)
        return Anything(f"{self._name}.{item}")

    def __call__(self, *args, **kwargs) -> "Anything":
        return Anything(f"{self._name}()")

    def __iter__(self):
        return iter(())

    def __bool__(self) -> bool:
        return True


class _ComError(Exception):
    """Stands in for pywintypes.com_error."""


class _TimeZoneInfo(dt.tzinfo):
    def utcoffset(self, when):
        return dt.timedelta(0)

    def dst(self, when):
        return dt.timedelta(0)

    def tzname(self, when):
        return "UTC"

    @classmethod
    def utc(cls):
        return cls()


def _not_wrapped(value):
    raise TypeError("not a wrapped COM object")  # plain values pass through xlwings' FromVariant


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    def missing(item: str):  # PEP 562: any other attribute is permissive, dunders stay absent
        if item.startswith("__") and item.endswith("__"):
            raise AttributeError(item)
        return Anything(f"{name}.{item}")

    module.__getattr__ = missing
    return module


def _class(name: str) -> type:
    return type(name, (), {"__init__": lambda self, *a, **k: None})


def install() -> None:
    """Put the stand-ins into sys.modules (idempotent)."""
    if "pythoncom" in sys.modules and getattr(sys.modules["pythoncom"], "_hashlease_stub", False):
        return
    client = _module("win32com.client", Dispatch=Anything("Dispatch"), DispatchEx=Anything("DispatchEx"),
                     CDispatch=_class("CDispatch"), CoClassBaseClass=_class("CoClassBaseClass"),
                     DispatchBaseClass=_class("DispatchBaseClass"), gencache=Anything("gencache"))
    server = _module("win32com.server")
    modules = {
        "pythoncom": _module("pythoncom", _hashlease_stub=True, __file__="pythoncom.dll",
                             CoInitialize=lambda: None, IID_IDispatch="IID_IDispatch",
                             TypeIIDs={"IID_IDispatch": _class("PyIDispatch")}),
        "pywintypes": _module("pywintypes", com_error=_ComError, error=_ComError, TimeType=dt.datetime),
        "win32api": _module("win32api"), "win32con": _module("win32con"), "win32gui": _module("win32gui"),
        "win32process": _module("win32process"), "win32event": _module("win32event"),
        "win32timezone": _module("win32timezone", TimeZoneInfo=_TimeZoneInfo),
        "win32com": _module("win32com", client=client, server=server),
        "win32com.client": client, "win32com.server": server,
        "win32com.server.util": _module("win32com.server.util", unwrap=_not_wrapped),
        "win32com.server.policy": _module("win32com.server.policy", DesignatedWrapPolicy=_class("Policy")),
        "win32com.server.dispatcher": _module("win32com.server.dispatcher",
                                              DefaultDebugDispatcher=_class("Dispatcher")),
        "win32com.server.exception": _module("win32com.server.exception"),
    }
    for part in ("util", "policy", "dispatcher", "exception"):
        setattr(server, part, modules[f"win32com.server.{part}"])
    sys.modules.update(modules)
    for name in ("windll", "oledll"):
        if not hasattr(ctypes, name):
            setattr(ctypes, name, Anything(f"ctypes.{name}"))
    real_pydll = ctypes.PyDLL
    ctypes.PyDLL = lambda *a, **k: Anything("PyDLL")
    try:
        import xlwings
        xlwindows = importlib.import_module("xlwings._xlwindows")
        if "excel" not in xlwings.engines:
            xlwings.engines.add(xlwings.Engine(impl=xlwindows.engine))
        importlib.import_module("xlwings.udfs")
    finally:
        ctypes.PyDLL = real_pydll


def use_classic_decorators() -> None:
    """Make ``xlwings.func/arg/ret`` the classic decorators that record ``__xlfunc__`` (they are no-ops off Windows)."""
    import xlwings
    from xlwings import udfs

    xlwings.func, xlwings.arg, xlwings.ret, xlwings.script = udfs.xlfunc, udfs.xlarg, udfs.xlret, udfs.xlsub
