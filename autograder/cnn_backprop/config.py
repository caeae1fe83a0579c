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

Every key is optional; ``cnn-backprop build`` prints the effective values.  The questions are
the course's (``questions.discover``): ``points`` may only name them, each defaults to 10.
This module only validates: ``course.load`` reads the file and passes the result where it is
needed.
"""

from __future__ import annotations

import difflib
import json
import typing
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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
    points: dict[str, float] = field(default_factory=dict)  # question -> its total, in order
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


KEYS = tuple(CourseConfig.__dataclass_fields__)  # the plugin block's keys


Cases = Callable[[str], list[Any]]  # question -> the cases its suites declare (suite.DeclaredCase)


def parse(
    block: Any,
    *,
    questions: Sequence[str],
    cases: Cases | None = None,
    where: str = "otter_config.json",
) -> CourseConfig:
    """Validate the plugin's configuration block; raise ConfigError naming the bad key.

    Everything is checked here, before anything is built or graded: the types and allowed
    values of every key, and, given ``cases``, the case names of ``group_points`` against the
    suites (with the course's features, which may leave a case out).
    """
    questions = list(questions)
    if block is None:
        block = {}
    if not isinstance(block, dict):
        raise ConfigError(
            f"{where}: the {PLUGIN} configuration must be an object of keys "
            f"({', '.join(KEYS)}), got {block!r}"
        )
    for key in block:
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} in {PLUGIN}{_known(key, KEYS)}")
    defaults = CourseConfig()
    tie_rule = _choice(block, "tie_rule", TIE_RULES, defaults.tie_rule, where)
    points = _points(block.get("points", {}), questions, where)
    public = _flag(block, "public_tests_count", defaults.public_tests_count, where)
    reveal = _flag(block, "reveal_hidden_cases", defaults.reveal_hidden_cases, where)
    visibility = _choice(
        block, "hidden_visibility", VISIBILITIES, defaults.hidden_visibility, where
    )
    scope = _choice(block, "scope", SCOPES, defaults.scope, where)
    features = _features(block.get("features", {}), scope, where)
    group_points = _group_points(
        block.get("group_points", {}), questions, cases, features, public, where
    )
    isolation = _choice(block, "min_isolation", ISOLATION_LEVELS, defaults.min_isolation, where)
    not_derived = _choice(
        block, "gradients_not_derived", NOT_DERIVED_POLICIES, defaults.gradients_not_derived, where
    )
    threshold = _threshold(block, defaults.similarity_threshold, where)
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
        similarity_threshold=threshold,
        min_isolation=isolation,
    )


def _points(given: Any, questions: list[str], where: str) -> dict[str, float]:
    """Each question's points: 10 unless the configuration says otherwise."""
    points = dict.fromkeys(questions, 10.0)
    if not isinstance(given, dict):
        raise ConfigError(
            f"{where}: points must map each question ({', '.join(questions)}) to a positive "
            f"number, got {given!r}"
        )
    for name, value in given.items():
        if name not in questions:
            raise ConfigError(
                f"{where}: points.{name}: not a question{_known(name, questions, 'questions')}"
            )
        points[name] = _positive(value, f"{where}: points.{name}")
    return points


def _features(given: Any, scope: str, where: str) -> dict[str, bool]:
    """The features in force: all of them under scope "full", none under "note", then the
    configuration's own choices."""
    features = dict.fromkeys(FEATURES, scope == "full")
    if not isinstance(given, dict):
        raise ConfigError(
            f"{where}: features must map feature names ({', '.join(FEATURES)}) to true or "
            f"false, got {given!r}"
        )
    for name, value in given.items():
        if name not in FEATURES:
            raise ConfigError(
                f"{where}: features.{name}: unknown feature{_known(name, FEATURES, 'features')}"
            )
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: features.{name} must be true or false, got {value!r}")
        features[name] = value
    return features


def _threshold(block: dict, default: float, where: str) -> float:
    threshold = block.get("similarity_threshold", default)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not 0 < threshold <= 1
    ):
        raise ConfigError(
            f"{where}: similarity_threshold must be a number in (0, 1] (the share of a "
            f"submission's own code found in another), got {threshold!r}"
        )
    return float(threshold)


def _group_points(
    groups: Any,
    questions: list[str],
    cases_of: Cases | None,
    features: dict[str, bool],
    public: bool,
    where: str,
) -> dict[str, dict[str, float]]:
    """``group_points``, checked against the suites' declared cases and the course's features."""
    if not isinstance(groups, dict):
        raise ConfigError(
            f"{where}: group_points must map questions ({', '.join(questions)}) to objects "
            f'of case weights, e.g. {{"maxpool1d_backward": {{"ties": 2}}}}, got {groups!r}'
        )
    group_points: dict[str, dict[str, float]] = {}
    for name, weights in groups.items():
        key = f"{where}: group_points.{name}"
        if name not in questions:
            raise ConfigError(f"{key}: not a question{_known(name, questions, 'questions')}")
        if not isinstance(weights, dict):
            raise ConfigError(
                f'{key} must map case names to numbers, e.g. {{"ties": 2}}, got {weights!r}'
            )
        if cases_of is None:  # nothing to check the names against (no suites given)
            group_points[name] = {
                case: _positive(v, f"{key}.{case}", zero=True) for case, v in weights.items()
            }
            continue
        cases = {c.name: c for c in cases_of(name)}
        kept = {n: c for n, c in cases.items() if all(features[f] for f in c.needs)}
        group_points[name] = {}
        for case, value in weights.items():
            if case not in cases:
                raise ConfigError(
                    f"{key}.{case}: no such case{_known(case, list(kept), f'{name} has')}"
                )
            off = [f for f in cases[case].needs if not features[f]]
            if off:
                raise ConfigError(
                    f"{key}.{case}: this case is left out because features.{off[0]} is false; "
                    "remove its weight or turn the feature on"
                )
            group_points[name][case] = _positive(value, f"{key}.{case}", zero=True)
        total = sum(
            group_points[name].get(n, c.points) * (c.hidden or public) for n, c in kept.items()
        )
        if total <= 0:
            raise ConfigError(f"{key}: every case of {name} weighs 0; give one a positive weight")
    return group_points


def _known(value: str, allowed: Any, label: str = "known") -> str:
    """`` (known: a, b, c)``, with a suggestion when ``value`` looks like a typo of one."""
    allowed = list(allowed)
    close = difflib.get_close_matches(str(value), allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f" ({label}: {', '.join(allowed)}){hint}"


def _choice(block: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, where: str):
    value = block.get(key, default)
    if value not in allowed:
        raise ConfigError(
            f"{where}: {key} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}"
        )
    return value


def _flag(block: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = block.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
    return value


def _positive(value: Any, key: str, zero: bool = False) -> float:
    kind = "a non-negative number" if zero else "a positive number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key} must be {kind}, got {value!r}")
    if value < 0 or (value == 0 and not zero) or value != value or value == float("inf"):
        raise ConfigError(f"{key} must be {kind}, got {value}")
    return float(value)


def plugin_block(otter_config: dict[str, Any]) -> Any:
    """The plugin's entry in Otter's ``plugins`` list (a name alone means all defaults)."""
    for entry in otter_config.get("plugins", []):
        if entry == PLUGIN:
            return {}
        if isinstance(entry, dict) and PLUGIN in entry:
            return entry[PLUGIN]
    return {}


def check_otter_keys(otter: dict[str, Any], where: str = "otter_config.json") -> None:
    """Otter's own keys: known names, the types Otter declares, and what this homework needs.

    Otter itself ignores a misspelt key and accepts any value, so a typo (``show_hiden``) or a
    string where a number belongs would only surface while grading, or never.
    """
    from otter.run import AutograderConfig  # Otter's declared keys and their types

    hints = typing.get_type_hints(AutograderConfig)
    known = [k for k in AutograderConfig({})._get_names_to_attrs() if k in hints]
    for key, value in otter.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}{_known(key, known, 'Otter keys')}")
        if not _fits(value, hints[key]):
            raise ConfigError(f"{where}: {key} must be {_kind(hints[key])}, got {value!r}")
    if otter.get("lang", "python") != "python":
        raise ConfigError(f'{where}: lang must be "python": this homework is graded in Python')
    plugins = otter.get("plugins", [])
    names = [e if isinstance(e, str) else next(iter(e), "") for e in plugins if e]
    if names.count(PLUGIN) != 1:
        found = f"found {names}" if names else "it lists none"
        raise ConfigError(
            f'{where}: plugins must list "{PLUGIN}" exactly once (the grading of this '
            f"homework); {found}"
        )
    for entry in plugins:
        if isinstance(entry, dict) and len(entry) != 1:
            raise ConfigError(f"{where}: each entry of plugins is a name or {{name: config}}")
    possible = otter.get("points_possible")
    if possible is not None and possible <= 0:
        raise ConfigError(f"{where}: points_possible must be a positive number, got {possible}")


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value has the type of one of Otter's annotations."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin is typing.Union:
        return any(_fits(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint in (int, float):
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        return numeric and (hint is float or isinstance(value, int))
    if hint is str:
        return isinstance(value, str)
    if origin is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_fits(v, args[1]) for v in value.values())
    return True


def _kind(hint: Any) -> str:
    """An annotation in words: ``true or false``, ``a number or null``, ``one of 'python', 'r'``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union:
        literals = [a for a in args if typing.get_origin(a) is typing.Literal]
        if literals and len(literals) == len(args):
            return "one of " + ", ".join(repr(typing.get_args(a)[0]) for a in literals)
        words = list(dict.fromkeys(_kind(a) for a in args if a is not type(None)))
        if {"an integer", "a number"} <= set(words):
            words.remove("an integer")
        text = " or ".join(words)
        return text + " or null" if type(None) in args else text
    return {
        bool: "true or false",
        int: "an integer",
        float: "a number",
        str: "a string",
    }.get(hint, "a list" if origin is list else "an object" if origin is dict else str(hint))


def read_otter_config(root: Path) -> dict[str, Any]:
    """The course's ``otter_config.json``, as JSON (not yet validated)."""
    path = root / "otter_config.json"
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a JSON object")
    return data


def from_otter(
    otter: dict[str, Any], *, questions: Sequence[str], cases: Cases | None = None
) -> CourseConfig:
    """The course configuration from Otter's configuration (``otter_config.json``, or what
    Otter hands its plugin); ConfigError names the key and what it allows, for any mistake."""
    check_otter_keys(otter)
    block = plugin_block(otter)
    if isinstance(block, dict) and "hidden_visibility" not in block:
        # unset: follow Otter's own show_hidden, as Otter would
        shown = "after_published" if otter.get("show_hidden") else "hidden"
        block = {**block, "hidden_visibility": shown}
    course = parse(
        block, questions=questions, cases=cases, where=f"otter_config.json, plugins, {PLUGIN}"
    )
    possible = otter.get("points_possible")
    if possible is not None and abs(float(possible) - course.total) > 1e-9:
        raise ConfigError(
            f"otter_config.json: points_possible is {possible:g} but the questions' points "
            f"add up to {course.total:g}; make them equal (Otter rescales scores to it)"
        )
    return course
