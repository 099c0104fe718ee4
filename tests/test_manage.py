"""Run management: rename, clone, delete, export and import — nothing lost, a run being
written is left alone, and an archive that is not a run is refused in our words."""

from __future__ import annotations

import json
import zipfile

import pytest

from codeit_core.loop import CodeItLoop
from codeit_core.manage import (ManageError, clone_run, delete_run, export_run, import_run,
                                rename_run)
from codeit_core.runlock import RunBusyError, WriterLock
from codeit_core.runs import ConfigError, RunConfig, RunDir, list_runs
from codeit_core.store import RunStore

TINY = dict(dataset="arc1-train", tasks="3", policy="mutation", samples_per_task=4,
            learn_size=50, seed_mutants=20, search_mutants=20, workers=1, iterations=1)


@pytest.fixture
def done(tmp_path) -> RunDir:
    run = RunDir(tmp_path / "runs" / "done")
    with CodeItLoop.create(run, RunConfig(**TINY)) as loop:
        loop.run_iterations(1)
    return run


def rows(run: RunDir) -> tuple:
    with RunStore.reading(run) as store:
        return (store.iteration_rows()[0]["cumulative_solved"], store.pool_sizes(),
                store.executed_samples(1))


def test_rename_moves_everything_and_refuses_a_taken_or_bad_name(done):
    before = rows(done)
    moved = rename_run(done, "renamed")
    assert moved.path.name == "renamed" and not done.path.exists()
    assert rows(moved) == before
    clone_run(moved, "other")
    with pytest.raises(ManageError, match="already exists"):
        rename_run(moved, "other")
    with pytest.raises(ManageError, match="run name"):
        rename_run(moved, "../escape")


def test_clone_keeps_the_config_with_a_new_seed_and_no_data(done):
    clone = clone_run(done, "done-s1", seed=1)
    a, b = json.loads(done.config_path.read_text()), json.loads(clone.config_path.read_text())
    assert b.pop("seed") == 1 and a.pop("seed") == 0 and a == b
    with RunStore.reading(clone) as store:
        assert store.completed_iterations() == 0 and not store.is_seeded()


def test_a_run_being_written_is_not_renamed_deleted_or_exported(done, tmp_path):
    with WriterLock(done, "a test writer"):
        for act in (lambda: rename_run(done, "x"), lambda: delete_run(done),
                    lambda: export_run(done, tmp_path / "x.zip")):
            with pytest.raises(RunBusyError, match="a test writer"):
                act()
    assert done.exists() and not (tmp_path / "x.zip").exists()
    assert not (tmp_path / "runs" / "x").exists()


def test_delete_removes_the_run_from_the_listing(done):
    assert list_runs(done.path.parent) == [done.path]
    delete_run(done)
    assert not done.path.exists() and list_runs(done.path.parent) == []


def test_export_then_import_gives_the_same_run(done, tmp_path):
    archive = export_run(done, tmp_path / "done.zip")
    names = zipfile.ZipFile(archive).namelist()
    assert "done/config.json" in names and "done/run.sqlite" in names
    assert not any(n.endswith(("writer.lock", "-wal", "-shm")) for n in names)
    other = tmp_path / "elsewhere"
    other.mkdir()
    imported = import_run(archive, other)
    assert imported.path == other / "done" and rows(imported) == rows(done)
    with CodeItLoop.open(imported) as loop:  # it resumes
        assert loop.completed_iterations() == 1 and loop.next_step == "learn"
    with pytest.raises(ManageError, match="already exists"):
        import_run(archive, other)
    assert import_run(archive, other, name="copy").path.name == "copy"


def test_an_archive_that_is_not_a_run_is_refused_and_writes_nothing(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ManageError, match="not a zip archive"):
        import_run(bad, folder)
    cases = {"escape.zip": {"run/config.json": "{}", "run/run.sqlite": "",
                            "run/../../evil.txt": "x"},
             "two.zip": {"a/config.json": "{}", "b/run.sqlite": ""},
             "noconfig.zip": {"run/run.sqlite": ""},
             "badconfig.zip": {"run/config.json": "{\"nope\": 1}", "run/run.sqlite": ""}}
    for name, files in cases.items():
        with zipfile.ZipFile(tmp_path / name, "w") as zf:
            for member, text in files.items():
                zf.writestr(member, text)
        with pytest.raises(ConfigError):  # ManageError, or the config's or database's own
            import_run(tmp_path / name, folder)
    assert list(folder.iterdir()) == [] and not (tmp_path / "evil.txt").exists()
