"""pytest set-up for `make test`: unit tests and nbval's notebook kernels alike.

nbval starts its kernels from this process, so they inherit ``os.environ``: set the
same kernel environment the notebook runner uses (``helpers.build.kernel_env``), or
outputs would differ for reasons other than the data. Outputs the notebooks write
while nbval runs them go to a throw-away staging folder, never to figures/ or reports/.
"""
from __future__ import annotations

import os
import shutil
import tempfile

from helpers import build

build.skip_slow_optional_imports()

_staging: str | None = None


def pytest_configure(config):
    global _staging
    _staging = tempfile.mkdtemp(prefix="survey-nbval-outputs-")
    os.environ.update(build.kernel_env(staging_dir=_staging))


def pytest_unconfigure(config):
    if _staging:
        shutil.rmtree(_staging, ignore_errors=True)
