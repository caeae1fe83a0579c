"""Gradescope's "Export Submissions": its zip or unpacked folder, and each submission's
students and id (which fixes the seed Gradescope used)."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from ..submission import MAX_FILE_BYTES
from ..upload import MAX_DEPTH, pick
from .jobs import METADATA_FILE, BatchInputError, Job, Submitter, _visible, unique_keys


def _find_metadata(folder: Path) -> Path | None:
    """``submission_metadata.yml`` at the top of the folder, or one level down (unzipped)."""
    top = folder / METADATA_FILE
    if top.is_file():
        return top
    below = sorted(folder.glob(f"*/{METADATA_FILE}"))
    below = [p for p in below if _visible(p.parent)]
    return below[0] if len(below) == 1 else None


def _zip_metadata_member(path: Path) -> str | None:
    """The metadata member of a Gradescope export zip (at depth 0 or 1), else None."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if PurePosixPath(n).name == METADATA_FILE]
    except Exception:  # not a zip, or one zipfile cannot read (names, damage): a submission
        return None
    names = sorted(n for n in names if len(PurePosixPath(n).parts) <= 2 and _posix_ok(n))
    return names[0] if names else None


def _posix_ok(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (
        bool(parts) and not name.startswith("/") and ".." not in parts and "__MACOSX" not in parts
    )


def load_metadata(text: str | bytes) -> dict[str, dict[str, Any]]:
    """Parse Gradescope's ``submission_metadata.yml`` into {folder: {id, submitters}}.

    The file is YAML written by Ruby: keys are symbols (``:submitters:``) and some values may
    carry Ruby tags (``!ruby/object:BigDecimal``), read here as plain values.
    """
    import yaml  # PyYAML: already installed, otter-grader depends on it

    class Loader(yaml.SafeLoader):
        pass

    def plain(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("!", plain)
    data = yaml.load(text, Loader=Loader)  # a SafeLoader: builds plain data only
    if not isinstance(data, dict):
        raise BatchInputError(f"{METADATA_FILE}: expected a mapping of submission folders")
    out: dict[str, dict[str, Any]] = {}
    for folder, entry in data.items():
        folder = str(folder)
        if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", folder):
            continue  # not a folder name Gradescope makes; never a path we would follow
        entry = entry if isinstance(entry, dict) else {}
        people = []
        for person in _get(entry, "submitters") or []:
            if isinstance(person, dict):
                people.append(
                    Submitter(
                        name=_text(_get(person, "name")),
                        email=_text(_get(person, "email")),
                        sid=_text(_get(person, "sid")),
                    )
                )
        match = re.fullmatch(r"submission_(\d+)", folder)
        sub_id = match.group(1) if match else _text(_get(entry, "id")) or None
        out[folder] = {"id": sub_id, "submitters": tuple(people)}
    return out


def _get(mapping: dict[Any, Any], key: str) -> Any:
    """Ruby symbol keys (``:name``) as Gradescope writes them, or plain ones."""
    return mapping.get(f":{key}", mapping.get(key))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _export_folder_jobs(root: Path, origin: str) -> list[tuple[str, Job]]:
    """An unpacked export: one job per folder named in the metadata (and per extra folder)."""
    metadata = load_metadata((root / METADATA_FILE).read_bytes())
    folders = {p.name for p in root.iterdir() if p.is_dir() and _visible(p)}
    jobs = []
    for name in sorted(folders | set(metadata)):
        meta = metadata.get(name) or _meta_from_name(name)
        folder = root / name
        if folder.is_dir():
            picked, problem = pick(folder)
        else:
            picked, problem = None, "the export has no files for this submission"
        where = f"{origin}/{name}" + (f"/{picked.name}" if picked else "")
        job = Job(
            "",
            str(picked) if picked else None,
            where,
            problem,
            meta["id"],
            meta["submitters"],
        )
        jobs.append((name, job))
    return jobs


def _meta_from_name(folder: str) -> dict[str, Any]:
    match = re.fullmatch(r"submission_(\d+)", folder)
    return {"id": match.group(1) if match else None, "submitters": ()}


def _export_zip_jobs(path: Path, exports: Path) -> list[tuple[str, Job]]:
    """Unpack what grading needs from an export zip, then treat it as an unpacked export.

    The files of each submission folder are written (in subfolders too, a few levels deep),
    under names checked to stay inside ``exports``.
    """
    member = _zip_metadata_member(path)
    assert member is not None
    prefix = str(PurePosixPath(member).parent)
    prefix = "" if prefix == "." else prefix + "/"
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
    dest = exports / f"{unique_keys([path.stem])[0]}-{digest}"
    if dest.exists():
        shutil.rmtree(dest)  # the zip may have changed: never grade stale files
    dest.mkdir(parents=True)
    with zipfile.ZipFile(path) as zf:
        (dest / METADATA_FILE).write_bytes(zf.read(member))
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or not name.startswith(prefix) or not _posix_ok(name):
                continue
            parts = PurePosixPath(name[len(prefix) :]).parts
            if not 2 <= len(parts) <= 2 + MAX_DEPTH:  # files in subfolders count, as on Gradescope
                continue
            if not all(re.fullmatch(r"[^/\\\x00]+", p) and p not in (".", "..") for p in parts):
                continue
            if any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue
            filename = parts[-1]
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:  # one byte past the limit is enough to refuse it
                with zf.open(info) as src:
                    target.write_bytes(src.read(MAX_FILE_BYTES + 1))
            except Exception as exc:  # a damaged member costs only its own submission
                target.unlink(missing_ok=True)
                (target.parent / f".unreadable-{filename}.txt").write_text(str(exc)[:500])
    return _export_folder_jobs(dest, str(path))
