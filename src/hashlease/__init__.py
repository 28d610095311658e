"""hashlease: Bitcoin-mining and AI/HPC lease economics for Excel finance teams."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hashlease")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0+unknown"
