"""Task model, validation and every loader, including each kind of malformed file."""

from __future__ import annotations

import copy

import pytest

from codeit_core.grids import grid_problem
from codeit_core.tasks import (Task, TaskFormatError, UnknownDatasetError, UnknownTaskError,
                               find_task, load_dataset, load_folder, load_json_file,
                               task_from_json, tasks_from_json_text)
from helpers import task_record


@pytest.mark.parametrize("name,count", [("arc1-train", 400), ("arc1-eval", 400),
                                        ("arc2-train", 1000), ("arc2-eval", 120)])
def test_bundled_datasets_have_their_task_counts(name, count):
    tasks = load_dataset(name)
    assert len(tasks) == count
    assert len({t.id for t in tasks}) == count
    assert [t.id for t in tasks] == sorted(t.id for t in tasks)
    for t in tasks:
        assert t.train and t.test
        for p in t.train + t.test:
            assert grid_problem(p.input) is None and grid_problem(p.output) is None


def test_arc1_eval_has_419_test_outputs():
    assert sum(len(t.test) for t in load_dataset("arc1-eval")) == 419


def test_find_task_returns_the_exact_grids():
    task = find_task("arc1-train", "007bbfb7")
    assert task.train[0].input == ((0, 7, 7), (7, 7, 7), (0, 7, 7))
    assert len(task.train[0].output) == 9 and len(task.train[0].output[0]) == 9
    assert task.source == "arc1-train"


def test_unknown_task_and_dataset():
    with pytest.raises(UnknownTaskError, match="no task 'zzz' in arc1-train"):
        find_task("arc1-train", "zzz")
    with pytest.raises(UnknownDatasetError, match="unknown dataset 'nope'"):
        load_dataset("nope")


def test_single_task_file(write_json):
    path = write_json("mytask.json", task_record())
    [task] = load_json_file(path)
    assert task.id == "mytask"
    assert task.train[0].output == ((1, 0), (0, 1))
    assert task.source == str(path)
    assert load_dataset(str(path)) == [task]


def test_combined_file_and_round_trip(write_json):
    path = write_json("combined.json", {"b": task_record(3), "a": task_record(1)})
    tasks = load_dataset(str(path))
    assert [t.id for t in tasks] == ["a", "b"]
    assert len(tasks[1].train) == 3
    again = task_from_json(tasks[1].to_json(), "b", str(path))
    assert again == tasks[1]


def test_folder_of_tasks(write_json, tmp_path):
    write_json("t1.json", task_record())
    write_json("t2.json", task_record(4))
    (tmp_path / "notes.txt").write_text("ignored")
    tasks = load_dataset(str(tmp_path))
    assert [t.id for t in tasks] == ["t1", "t2"]


def test_folder_with_duplicate_ids_is_an_error(write_json, tmp_path):
    write_json("x.json", {"same": task_record()})
    write_json("y.json", {"same": task_record()})
    with pytest.raises(TaskFormatError, match="'same' already loaded"):
        load_folder(tmp_path)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(TaskFormatError, match="no .json task files"):
        load_folder(tmp_path)


def test_test_output_is_optional():
    record = task_record()
    del record["test"][0]["output"]
    task = task_from_json(record, "t")
    assert task.test[0].output is None
    assert "output" not in task.to_json()["test"][0]


def mutated(change) -> dict:
    record = copy.deepcopy(task_record(3))
    change(record)
    return record


MALFORMED = [
    ("ragged row", lambda r: r["train"][2].__setitem__("output", [[1, 0], [0, 1, 1]]),
     "train[2].output row 1 has 3 cells, row 0 has 2"),
    ("colour 10", lambda r: r["train"][0]["input"][1].__setitem__(0, 10),
     "train[0].input row 1 cell 0 is 10, expected a colour 0..9"),
    ("negative colour", lambda r: r["test"][0]["input"][0].__setitem__(1, -1),
     "test[0].input row 0 cell 1 is -1"),
    ("string cell", lambda r: r["train"][1]["input"][0].__setitem__(0, "3"),
     "train[1].input row 0 cell 0 is '3'"),
    ("float cell", lambda r: r["train"][1]["input"][0].__setitem__(0, 1.5),
     "expected an integer colour"),
    ("bool cell", lambda r: r["train"][1]["input"][0].__setitem__(0, True),
     "row 0 cell 0 is True"),
    ("empty grid", lambda r: r["train"][0].__setitem__("input", []),
     "train[0].input has 0 rows, expected 1..30"),
    ("empty row", lambda r: r["train"][0].__setitem__("input", [[]]),
     "train[0].input row 0 has 0 cells"),
    ("too tall", lambda r: r["train"][0].__setitem__("input", [[0]] * 31),
     "has 31 rows, expected 1..30"),
    ("too wide", lambda r: r["train"][0].__setitem__("output", [[0] * 31]),
     "row 0 has 31 cells, expected 1..30"),
    ("grid not a list", lambda r: r["train"][0].__setitem__("input", "grid"),
     "train[0].input is a str, expected a list of rows"),
    ("row not a list", lambda r: r["train"][0].__setitem__("input", [1, 2]),
     "train[0].input row 0 is a int"),
    ("missing output", lambda r: r["train"][1].pop("output"),
     "train[1] has no 'output' grid"),
    ("missing input", lambda r: r["test"][0].pop("input"), "test[0] has no 'input' grid"),
    ("pair not an object", lambda r: r["train"].__setitem__(0, [1, 2]),
     "train[0] is a list, expected an object"),
    ("no train", lambda r: r.pop("train"), "missing the 'train' list"),
    ("no test", lambda r: r.pop("test"), "missing the 'test' list"),
    ("train not a list", lambda r: r.__setitem__("train", {}), "'train' is a dict"),
    ("empty train", lambda r: r.__setitem__("train", []), "needs at least one demonstration"),
    ("empty test", lambda r: r.__setitem__("test", []), "needs at least one test input"),
]


@pytest.mark.parametrize("label,change,message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_task_names_file_task_pair_and_field(write_json, label, change, message):
    path = write_json("bad.json", mutated(change))
    with pytest.raises(TaskFormatError) as info:
        load_json_file(path)
    text = str(info.value)
    assert text.startswith(f"{path}: task 'bad': ")
    assert message in text


def test_malformed_task_inside_combined_file_names_that_task(write_json):
    bad = task_record()
    bad["train"][0]["output"] = [[1, 0], [0]]
    path = write_json("many.json", {"good": task_record(), "broken": bad})
    with pytest.raises(TaskFormatError, match=r"task 'broken': train\[0\]\.output row 1"):
        load_json_file(path)


@pytest.mark.parametrize("text,message", [
    ("{not json", "not valid JSON (line 1 column 2"),
    ("", "not valid JSON"),
    ("[1, 2]", "got a list"),
    ("{}", "holds no tasks"),
    ('{"t": 5}', "task 't': expected an object with 'train' and 'test', got int"),
])
def test_malformed_documents(write_json, text, message):
    path = write_json("doc.json", text)
    with pytest.raises(TaskFormatError, match=None) as info:
        load_json_file(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))


def test_binary_upload_is_a_clear_error():
    with pytest.raises(TaskFormatError, match="up.json: not valid JSON"):
        tasks_from_json_text(b"\xff\xfe\x00garbage", "up.json")


def test_unreadable_path(tmp_path):
    with pytest.raises(TaskFormatError, match="cannot read the file"):
        load_json_file(tmp_path / "missing.json")


def test_task_properties():
    task = task_from_json(task_record(2), "t")
    assert isinstance(task, Task)
    assert task.demo_inputs == (((0, 1), (1, 0)),) * 2
    assert task.test_inputs == (((2, 2), (0, 2)),)
