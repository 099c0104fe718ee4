"""The Run page's "Manage" tab: rename, clone (same config, another seed), export, delete
(after typing the run's name) the open run, and import a run from an archive."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from codeit_core import manage
from codeit_core.runlock import RunBusyError
from codeit_core.runs import ConfigError, RunDir
from ui.runs_view import RUN_KEY, drop_loop, runs_dir

DOWNLOAD_LIMIT = 200 << 20  # archives up to 200 MB are offered as a download too


def _done(message: str, open_run: str | None = None) -> None:
    st.session_state["mg_msg"] = ("success", message)
    if open_run:
        st.session_state[RUN_KEY] = open_run
        st.query_params[RUN_KEY] = open_run


def _failed(error: Exception) -> None:
    st.session_state["mg_msg"] = ("error", f"Nothing was changed: {error}")


def rename_clicked(run: Path) -> None:
    new = st.session_state.get("mg_rename", "")
    try:
        drop_loop(run)  # the page's own hold on the run (its executor, its connection)
        moved = manage.rename_run(run, new)
    except (ConfigError, RunBusyError, OSError) as e:
        return _failed(e)
    _done(f"Renamed {run.name!r} to {moved.path.name!r}.", moved.path.name)


def clone_clicked(run: Path) -> None:
    try:
        clone = manage.clone_run(run, st.session_state.get("mg_clone", ""),
                                 int(st.session_state.get("mg_clone_seed", 0)))
    except (ConfigError, OSError) as e:
        return _failed(e)
    _done(f"Created {clone.path.name!r}: the config of {run.name!r} with seed "
          f"{clone.config().seed}, nothing run yet.", clone.path.name)


def delete_clicked(run: Path) -> None:
    if st.session_state.get("mg_delete_confirm", "").strip() != run.name:
        st.session_state["mg_msg"] = ("error", f"Type {run.name!r} to confirm the delete.")
        return
    try:
        drop_loop(run)
        manage.delete_run(run)
    except (ConfigError, RunBusyError, OSError) as e:
        return _failed(e)
    st.session_state.pop(RUN_KEY, None)
    st.query_params.pop(RUN_KEY, None)
    st.session_state["mg_msg"] = ("success", f"Deleted {run.name!r}.")


def export_clicked(run: Path) -> None:
    folder = runs_dir() / ".exports"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        archive = manage.export_run(run, folder / f"{run.name}.zip")
    except (ConfigError, RunBusyError, OSError) as e:
        return _failed(e)
    st.session_state["mg_export"] = str(archive)
    _done(f"Exported {run.name!r} to {archive} ({archive.stat().st_size / 1e6:.1f} MB).")


def import_uploaded() -> None:
    upload = st.session_state.get("mg_import")
    if upload is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "upload.zip"
        archive.write_bytes(upload.getvalue())
        try:
            run = manage.import_run(archive, runs_dir(),
                                    st.session_state.get("mg_import_name") or None)
        except (ConfigError, OSError) as e:
            return _failed(e)
    _done(f"Imported {run.path.name!r}.", run.path.name)


def manage_panel(run: Path, alive: bool) -> None:
    if alive:
        st.info("A process is running this run: rename, delete and export wait until it "
                "stops.", icon=":material/lock:")
    left, right = st.columns(2, gap="large")
    with left:
        row = st.columns([3, 1], vertical_alignment="bottom")
        row[0].text_input("New name", key="mg_rename", placeholder=f"{run.name}-a",
                          help=manage.NAME_RULE)
        row[1].button("Rename", key="mg_rename_go", on_click=rename_clicked, args=(run,),
                      disabled=alive, width="stretch")
        row = st.columns([2, 1, 1], vertical_alignment="bottom")
        row[0].text_input("Clone as", key="mg_clone", placeholder=f"{run.name}-s1",
                          help="A new run with this run's config and another seed")
        row[1].number_input("Seed", min_value=0, value=RunDir(run).config().seed + 1,
                            step=1, key="mg_clone_seed")
        row[2].button("Clone", key="mg_clone_go", on_click=clone_clicked, args=(run,),
                      width="stretch")
        row = st.columns([3, 1], vertical_alignment="bottom")
        row[0].text_input("Type the run's name to delete it", key="mg_delete_confirm",
                          placeholder=run.name)
        row[1].button("Delete", key="mg_delete_go", on_click=delete_clicked, args=(run,),
                      disabled=alive, type="secondary", icon=":material/delete:",
                      width="stretch")
    with right:
        st.button("Export as a zip archive", key="mg_export_go", on_click=export_clicked,
                  args=(run,), disabled=alive, icon=":material/archive:")
        exported = st.session_state.get("mg_export")
        if exported and Path(exported).is_file() and Path(exported).stem == run.name:
            size = Path(exported).stat().st_size
            if size <= DOWNLOAD_LIMIT:
                st.download_button("Download the archive", Path(exported).read_bytes(),
                                   file_name=Path(exported).name, mime="application/zip",
                                   key="mg_download", icon=":material/download:")
            st.caption(f"`{exported}`")


def show_message() -> None:
    msg = st.session_state.pop("mg_msg", None)
    if msg:
        getattr(st, msg[0])(msg[1], icon=":material/check_circle:" if msg[0] == "success"
                            else ":material/error:")


def import_panel() -> None:
    """Import a run from an archive that `Export` (or codeit_core.manage) made."""
    row = st.columns([1, 2], vertical_alignment="bottom")
    row[0].text_input("Import as (optional)", key="mg_import_name",
                      help="The imported run's name; empty: the name it was exported with")
    row[1].file_uploader("Import a run (a zip archive exported from a Run page)",
                         type=["zip"], key="mg_import", on_change=import_uploaded)
