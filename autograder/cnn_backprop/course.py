"""The course: everything grading depends on, built once and passed where it is needed.

A ``Course`` is read from a course folder (a checkout, the zip's bundle, or any folder holding
``solutions/reference.py``, ``tests/``, ``assignment/handout.md`` and ``otter_config.json``):
its configuration, its reference module (loaded for this course, with its tie rule), its
handout's sections and its questions (``questions.declare``).  Every command, the Otter plugin
and each batch worker build one at start-up and hand it down; nothing reads the configuration
from a module global.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from . import config as course_config
from . import paths
from .config import CourseConfig
from .questions import Question, declare, discover, handout_sections
from .suite import declared_cases

HANDOUT = Path("assignment") / "handout.md"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per load
class Course:
    """One course's grading: read-only once built."""

    root: Path
    otter: Mapping[str, Any]  # Otter's own configuration (otter_config.json)
    config: CourseConfig
    reference: ModuleType  # this course's instance of solutions/reference.py
    questions: tuple[Question, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The questions' names (= the functions students write), in the course's order."""
        return tuple(q.name for q in self.questions)

    @property
    def forwards(self) -> tuple[str, ...]:
        """The given forward passes, each once, in the questions' order."""
        return tuple(dict.fromkeys(q.forward for q in self.questions if q.forward))

    def find(self, name: str) -> Question | None:
        """Question ``name``, or None (a record from another version of the course)."""
        return next((q for q in self.questions if q.name == name), None)

    def question(self, name: str) -> Question:
        found = self.find(name)
        if found is None:
            raise KeyError(f"{name} is not a question of this course ({', '.join(self.names)})")
        return found

    def suite_files(self, name: str) -> list[Path]:
        """The public then the hidden test file of question ``name``."""
        return paths.suite_files(self.root, name)

    def secret(self) -> bytes:
        return paths.secret(self.root)

    def given(self) -> dict[str, Any]:
        """The given forward passes by name (what the suites may call besides the student's)."""
        return {name: getattr(self.reference, name) for name in self.forwards}


def load(
    root: Path | None = None,
    *,
    otter: Mapping[str, Any] | None = None,
    block: Mapping[str, Any] | None = None,
) -> Course:
    """Build the course from ``root`` (default: ``paths.root()``).

    ``otter``: Otter's configuration, if already read (the plugin gets it from Otter);
    ``block``: the plugin's own block, replacing the one in ``otter``.  Raises ConfigError,
    naming the key, for any mistake in the configuration.
    """
    root = Path(root) if root is not None else paths.root()
    otter = dict(otter) if otter is not None else course_config.read_otter_config(root)
    if block is not None:
        otter["plugins"] = [{course_config.PLUGIN: dict(block)}]
    source = (root / paths.REFERENCE).read_text(encoding="utf-8")
    names = discover(root, source)
    config = course_config.from_otter(
        otter, questions=names, cases=lambda q: declared_cases(paths.suite_files(root, q))
    )
    reference = load_reference(root / paths.REFERENCE, config.tie_rule)
    handout = (root / HANDOUT).read_text(encoding="utf-8") if (root / HANDOUT).is_file() else ""
    sections = handout_sections(handout)
    questions = tuple(declare(name, reference, handout, sections) for name in names)
    return Course(root, otter, config, reference, questions)


def load_reference(path: Path, tie_rule: str) -> ModuleType:
    """A fresh instance of the reference module, for one course: its tie rule decides what
    "correct" means for ties (``TIE_RULE``, read by its pooling gradient)."""
    spec = importlib.util.spec_from_file_location(f"cnn_backprop_reference_{tie_rule}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.TIE_RULE = tie_rule
    return module
