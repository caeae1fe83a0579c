"""The instructor's choices: one block in ``otter_config.json``, validated with clear errors.

The block is the configuration of the Otter plugin, so the file Otter reads is the only file
an instructor edits::

    "plugins": [{"cnn_backprop.otter_plugin.SandboxedGrading": {
        "tie_rule": "first",
        "points": {"conv1d_backward_w": 10, "conv1d_backward_input": 10, "maxpool1d_backward": 10},
        "group_points": {"maxpool1d_backward": {"ties": 2}},
        "public_tests_count": true,
        "hidden_visibility": "after_published",
        "reveal_hidden_cases": false,
        "scope": "full",
        "features": {"dilation": false},
        "min_isolation": "files",
        "gradients_not_derived": "report",
        "similarity_threshold": 0.8
    }}]

Every key is optional; ``cnn-backprop build`` prints the effective values.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from . import QUESTIONS, paths
from .sandbox.protections import LEVELS as ISOLATION_LEVELS

PLUGIN = "cnn_backprop.otter_plugin.SandboxedGrading"
TIE_RULES = ("first", "all", "split")
SCOPES = ("full", "note")
# what the hidden cases may use beyond the note's setting (one sample, one channel, stride 1,
# no padding or dilation, float64); scope "note" turns all of them off
FEATURES = ("batch", "channels", "stride", "padding", "dilation", "float32")
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
# what a backward function that evaluates a forward pass instead of deriving gets (probing.py)
NOT_DERIVED_POLICIES = ("report", "zero")


class ConfigError(ValueError):
    """A bad value in the course configuration; the message names the key."""


@dataclass(frozen=True)
class CourseConfig:
    """The effective course configuration (defaults filled in)."""

    tie_rule: str = "first"
    points: dict[str, float] = field(default_factory=lambda: {q: 10.0 for q in QUESTIONS})
    group_points: dict[str, dict[str, float]] = field(default_factory=dict)
    public_tests_count: bool = True
    hidden_visibility: str = "after_published"
    reveal_hidden_cases: bool = False
    scope: str = "full"
    features: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(FEATURES, True))
    gradients_not_derived: str = "report"
    # the class report's look-alike pairs: copydetect similarity at least this (similarity.py)
    similarity_threshold: float = 0.8
    # below this the grader refuses to run a submission: "files" = the grader's files
    # unreadable and its outputs unwritable, "full" = also no network and no way to reach
    # the grader's processes, "none" = grade on any platform (say why in the course notes)
    min_isolation: str = "files"

    def enabled(self, feature: str) -> bool:
        return self.features.get(feature, True)

    @property
    def total(self) -> float:
        return sum(self.points.values())

    def describe(self) -> str:
        return json.dumps(asdict(self) | {"total": self.total}, indent=2)


def parse(block: Any, *, where: str = "otter_config.json") -> CourseConfig:
    """Validate the plugin's configuration block; raise ConfigError naming the bad key."""
    if block in (None, {}):
        return CourseConfig()
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: the {PLUGIN} configuration must be an object")
    known = set(CourseConfig.__dataclass_fields__)
    for key in block:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    defaults = CourseConfig()
    tie_rule = block.get("tie_rule", defaults.tie_rule)
    if tie_rule not in TIE_RULES:
        raise ConfigError(f"{where}: tie_rule must be one of {TIE_RULES}, got {tie_rule!r}")
    points = dict(defaults.points)
    given = block.get("points", {})
    if not isinstance(given, dict):
        raise ConfigError(f"{where}: points must map function names to numbers")
    for name, value in given.items():
        if name not in QUESTIONS:
            raise ConfigError(f"{where}: points.{name}: not a question ({', '.join(QUESTIONS)})")
        points[name] = _positive(value, f"{where}: points.{name}")
    groups = block.get("group_points", {})
    if not isinstance(groups, dict):
        raise ConfigError(f"{where}: group_points must map function names to objects")
    group_points: dict[str, dict[str, float]] = {}
    for name, weights in groups.items():
        if name not in QUESTIONS:
            raise ConfigError(f"{where}: group_points.{name}: not a question")
        if not isinstance(weights, dict):
            raise ConfigError(f"{where}: group_points.{name} must map case names to numbers")
        group_points[name] = {
            case: _positive(v, f"{where}: group_points.{name}.{case}", zero=True)
            for case, v in weights.items()
        }
    public = block.get("public_tests_count", defaults.public_tests_count)
    reveal = block.get("reveal_hidden_cases", defaults.reveal_hidden_cases)
    for key, value in (("public_tests_count", public), ("reveal_hidden_cases", reveal)):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
    visibility = block.get("hidden_visibility", defaults.hidden_visibility)
    if visibility not in VISIBILITIES:
        raise ConfigError(f"{where}: hidden_visibility must be one of {VISIBILITIES}")
    scope = block.get("scope", defaults.scope)
    if scope not in SCOPES:
        raise ConfigError(f"{where}: scope must be one of {SCOPES}, got {scope!r}")
    features = dict.fromkeys(FEATURES, scope == "full")
    given_features = block.get("features", {})
    if not isinstance(given_features, dict):
        raise ConfigError(f"{where}: features must map feature names to true or false")
    for name, value in given_features.items():
        if name not in FEATURES:
            raise ConfigError(f"{where}: features.{name}: unknown ({', '.join(FEATURES)})")
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: features.{name} must be true or false, got {value!r}")
        features[name] = value
    isolation = block.get("min_isolation", defaults.min_isolation)
    if isolation not in ISOLATION_LEVELS:
        raise ConfigError(
            f"{where}: min_isolation must be one of {ISOLATION_LEVELS}, got {isolation!r}"
        )
    not_derived = block.get("gradients_not_derived", defaults.gradients_not_derived)
    if not_derived not in NOT_DERIVED_POLICIES:
        raise ConfigError(
            f"{where}: gradients_not_derived must be one of {NOT_DERIVED_POLICIES}, "
            f"got {not_derived!r}"
        )
    threshold = block.get("similarity_threshold", defaults.similarity_threshold)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not 0 < threshold <= 1
    ):
        raise ConfigError(
            f"{where}: similarity_threshold must be a number in (0, 1] (the share of a "
            f"submission's own code found in another), got {threshold!r}"
        )
    return CourseConfig(
        tie_rule=tie_rule,
        points=points,
        group_points=group_points,
        public_tests_count=public,
        hidden_visibility=visibility,
        reveal_hidden_cases=reveal,
        scope=scope,
        features=features,
        gradients_not_derived=not_derived,
        similarity_threshold=float(threshold),
        min_isolation=isolation,
    )


def _positive(value: Any, key: str, zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key} must be a number, got {value!r}")
    if value < 0 or (value == 0 and not zero):
        raise ConfigError(f"{key} must be {'non-negative' if zero else 'positive'}, got {value}")
    return float(value)


def plugin_block(otter_config: dict[str, Any]) -> Any:
    """The plugin's entry in Otter's ``plugins`` list (a name alone means all defaults)."""
    for entry in otter_config.get("plugins", []):
        if entry == PLUGIN:
            return {}
        if isinstance(entry, dict) and PLUGIN in entry:
            return entry[PLUGIN]
    return {}


def read_otter_config() -> dict[str, Any]:
    path = paths.root() / "otter_config.json"
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a JSON object")
    return data


_current: CourseConfig | None = None


def load() -> CourseConfig:
    """The course configuration from ``otter_config.json`` (cached; ``use`` overrides it)."""
    global _current
    if _current is None:
        otter = read_otter_config()
        block = plugin_block(otter)
        if isinstance(block, dict) and "hidden_visibility" not in block:
            # unset: follow Otter's own show_hidden, as Otter would
            shown = "after_published" if otter.get("show_hidden") else "hidden"
            block = {**block, "hidden_visibility": shown}
        course = parse(block)
        possible = otter.get("points_possible")
        if possible is not None and abs(float(possible) - course.total) > 1e-9:
            raise ConfigError(
                f"otter_config.json: points_possible is {possible} but the questions' points "
                f"add up to {course.total:g}; make them equal (Otter rescales scores to it)"
            )
        _current = course
    return _current


def use(config: CourseConfig | None) -> None:
    """Grade with ``config`` from now on (tests, the plugin); None re-reads the file."""
    global _current
    _current = config
    paths.reference.cache_clear()
