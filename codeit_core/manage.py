"""Run management: rename, clone, delete, export and import run directories.

    rename_run(run, "eval-a3")                # the directory, under the same folder
    clone_run(run, "eval-a3-s1", seed=1)      # the same config with another seed, no data
    delete_run(run)                           # the directory and everything in it
    export_run(run, "eval-a3.zip")            # one archive of the directory
    import_run("eval-a3.zip", runs_root)      # a run directory again, checked

A run that is being written (its writer lock held: a background run, a terminal, a step
from the dashboard) is never renamed, deleted or exported half-way: each refuses with the
writer named (RunBusyError) and changes nothing. An import never writes outside its new
directory and refuses an archive that is not a run.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

from codeit_core.runlock import HOLDER_FILE, LOCK_FILE, WriterLock
from codeit_core.runs import CONFIG_FILE, DB_FILE, ConfigError, RunDir

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
NAME_RULE = ("use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit "
             "(e.g. eval-40-a3)")
# files of a run that belong to the process writing it, not to the run
_NOT_EXPORTED = {LOCK_FILE, HOLDER_FILE}
MAX_IMPORT_BYTES = 4 << 30  # 4 GiB unpacked at most


class ManageError(ConfigError):
    """A run cannot be renamed, cloned, deleted, exported or imported; the message says
    why and changes nothing."""


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_RE.match(name):
        raise ManageError(f"run name {name!r}: {NAME_RULE}")
    return name


def _target(folder: Path, name: str) -> Path:
    path = folder / check_name(name)
    if path.exists():
        raise ManageError(f"{path} already exists; choose another name")
    return path


def _run(run: RunDir | str | Path) -> RunDir:
    run = run if isinstance(run, RunDir) else RunDir(run)
    if not run.exists():
        raise ManageError(f"{run.path} is not a run directory (no {CONFIG_FILE} and {DB_FILE})")
    return run


def rename_run(run: RunDir | str | Path, new_name: str) -> RunDir:
    """Move the run to `new_name` beside it; refused while it is written."""
    run = _run(run)
    target = _target(run.path.parent, new_name)
    with WriterLock(run, "a rename"):
        run.path.rename(target)
    return RunDir(target)


def clone_run(run: RunDir | str | Path, new_name: str, seed: int | None = None) -> RunDir:
    """A new run beside this one with its config (another `seed` if given), and no data."""
    run = _run(run)
    config = run.config()
    if seed is not None:
        config = dataclasses.replace(config, seed=int(seed))
    clone = RunDir(_target(run.path.parent, new_name))
    clone.create(config)
    return clone


def delete_run(run: RunDir | str | Path) -> None:
    """Remove the run directory and everything in it; refused while it is written."""
    run = _run(run)
    with WriterLock(run, "a delete"):
        trash = run.path.with_name(f".deleting-{run.path.name}")
        run.path.rename(trash)  # at once out of every listing, whatever rmtree meets
    shutil.rmtree(trash, ignore_errors=True)


def export_run(run: RunDir | str | Path, archive: str | Path) -> Path:
    """One zip archive of the run directory (its database copied consistently through
    SQLite's backup, so a reader's open WAL is included); refused while it is written."""
    run = _run(run)
    archive = Path(archive)
    with WriterLock(run, "an export"), tempfile.TemporaryDirectory() as tmp:
        snapshot = Path(tmp) / DB_FILE
        source = run.connect(readonly=True)
        try:
            target = sqlite3.connect(snapshot)
            source.backup(target)
            target.close()
        finally:
            source.close()
        partial = archive.with_name(archive.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(run.path.rglob("*")):
                rel = path.relative_to(run.path)
                if path.is_dir() or rel.parts[0] in _NOT_EXPORTED or rel.name.startswith(
                        DB_FILE):
                    continue
                zf.write(path, f"{run.path.name}/{rel.as_posix()}")
            zf.write(snapshot, f"{run.path.name}/{DB_FILE}")
        partial.replace(archive)
    return archive


def import_run(archive: str | Path, folder: str | Path, name: str | None = None) -> RunDir:
    """Unpack an exported run into `folder` (as `name`, or the name it was exported with);
    checked: one top folder, no path leaving it, no link, a config and a database that
    open as a run."""
    archive = Path(archive)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise ManageError(f"{archive}: not a zip archive of a run ({e})") from None
    with zf:
        members = zf.infolist()
        tops = {Path(m.filename).parts[0] for m in members if m.filename.strip("/")}
        if len(tops) != 1:
            raise ManageError(f"{archive}: expected one run directory, found "
                              f"{len(tops)} top-level entries")
        top = tops.pop()
        if sum(m.file_size for m in members) > MAX_IMPORT_BYTES:
            raise ManageError(f"{archive}: more than {MAX_IMPORT_BYTES >> 30} GiB unpacked")
        for m in members:
            parts = Path(m.filename).parts
            if m.filename.startswith("/") or ".." in parts or (m.external_attr >> 28) == 0o12:
                raise ManageError(f"{archive}: entry {m.filename!r} would leave the run "
                                  f"directory")
        names = {m.filename for m in members}
        for needed in (CONFIG_FILE, DB_FILE):
            if f"{top}/{needed}" not in names:
                raise ManageError(f"{archive}: no {needed} in {top}/ — not an exported run")
        target = _target(Path(folder), name or top)
        staging = Path(tempfile.mkdtemp(prefix=".importing-", dir=folder))
        try:
            zf.extractall(staging)
            run = RunDir(staging / top)
            run.config()  # a readable config.json (ConfigError names the field)
            run.connect(readonly=True).close()  # a database SQLite opens as a run's
            (staging / top).rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return RunDir(target)
