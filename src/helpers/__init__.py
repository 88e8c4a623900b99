"""Helpers for the Japan–U.S.–Korea Public Perception Survey (2025) analysis.

Importing the package checks, without importing them, that the libraries it needs
are installed: a notebook opened with another kernel (another Python) then gets a
message saying which kernel to choose, instead of a bare ``ModuleNotFoundError``
deep inside.
"""

from importlib.util import find_spec as _find_spec

# Import names of the libraries src/helpers uses (pyproject.toml declares their packages).
_NEEDED = ("numpy", "pandas", "matplotlib", "yaml", "IPython")


def _check_environment() -> None:
    missing = [name for name in _NEEDED if _find_spec(name) is None]
    if missing:
        import sys

        from .paths import KERNEL_DISPLAY_NAME

        raise ImportError(
            f"helpers needs {', '.join(missing)}, which the Python running it ({sys.executable}) does not have: "
            "this is not the project's environment. In JupyterLab choose the kernel "
            f"'{KERNEL_DISPLAY_NAME}' (Kernel > Change Kernel), or start JupyterLab "
            "with `make lab`; elsewhere run `make env` and use .venv/bin/python."
        )


_check_environment()
