"""Where the trusted resources live: the repo checkout, or the bundle inside the autograder zip.

The reference solution, the graded suites and the seed secret are never installed into
site-packages (a submission could import them from there); the grader reads them from the
checkout, or on Gradescope from ``/autograder/source``, which the child process cannot read.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
from functools import lru_cache
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLE_DIR = PACKAGE_DIR / "_bundle"  # present only inside the autograder zip
SECRET_FILE = ".cnn-backprop-secret"
SECRET_ENV = "CNN_BACKPROP_SECRET"


class ResourceError(RuntimeError):
    """The grader's own files are missing: an installation problem, not the student's."""


_override: Path | None = None


def use_root(path: Path) -> None:
    """Read resources from ``path`` from now on (the Otter plugin points it at the zip)."""
    global _override
    _override = Path(path)
    from . import config  # the bundle's otter_config.json holds the course's choices

    config.use(None)


def root() -> Path:
    """The folder holding ``solutions/`` and ``tests/``: the bundle, else the checkout."""
    if _override is not None:
        return _override
    if (BUNDLE_DIR / "solutions" / "reference.py").is_file():
        return BUNDLE_DIR
    repo = PACKAGE_DIR.parents[1]
    if (repo / "solutions" / "reference.py").is_file():
        return repo
    raise ResourceError(
        "cannot find solutions/reference.py: install cnn-backprop from a checkout with "
        "`pip install -e .` (the reference is deliberately not packaged)"
    )


def suite_files(question: str) -> list[Path]:
    """The public then the hidden test file of one question."""
    base = root() / "tests"
    return [base / "public" / f"test_{question}.py", base / "hidden" / f"test_{question}.py"]


@lru_cache(maxsize=1)
def reference() -> ModuleType:
    """The reference solution module, loaded by path (it is not an installed package)."""
    path = root() / "solutions" / "reference.py"
    spec = importlib.util.spec_from_file_location("cnn_backprop_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from . import config  # the course's choices decide what "correct" means for ties

    module.TIE_RULE = config.load().tie_rule
    return module


def secret() -> bytes:
    """The seed secret: from the environment, the bundle, or the checkout (created once)."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV].encode()
    path = root() / SECRET_FILE
    if not path.is_file():
        # first use in a checkout: make one; it is git-ignored and copied into the zip by build
        path.write_text(secrets.token_hex(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip().encode()
