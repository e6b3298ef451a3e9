"""`outpost eval` from a regular (non-editable) install: what it reads comes from the package
(importlib.resources), the public dev sets from a folder that is an option, and a missing
folder is one line naming the option and the environment variable. The wheel is really built
and run from where it is unpacked, without the source tree on the path."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from outpost.evaluate.run import DATA_ENV, MissingDataError, data_folder, floors, own_set, run

ROOT = Path(__file__).resolve().parents[1]
PACKAGED = (
    "outpost/evaluate/floors.toml",
    "outpost/evaluate/run.py",
    "outpost/evaluate/sets/events.jsonl",
    "outpost/evaluate/sets/stories.jsonl",
    *(
        f"outpost/analyze/ner_weights/{name}"
        for name in (
            "fa.lstm.pt",
            "fa.lstm.json",
            "kk.crfsuite",
            "fa.places.txt",
            "kk.places.txt",
            "kk.guesses.txt",
        )
    ),
    "outpost/analyze/ner_weights/fa.md",
    "outpost/analyze/ner_weights/kk.md",
)


def test_the_data_folder_is_the_option_else_the_variable_else_beside_the_repository() -> None:
    assert data_folder(Path("sets"), {DATA_ENV: "/elsewhere"}) == Path("sets")
    assert data_folder(None, {DATA_ENV: "/elsewhere"}) == Path("/elsewhere")
    assert data_folder(None, {DATA_ENV: ""}) == Path("../shared/data")
    assert data_folder(None, {}) == Path("../shared/data")


def test_a_missing_folder_is_one_line_naming_the_option_and_the_variable(tmp_path: Path) -> None:
    absent = tmp_path / "absent"
    with pytest.raises(MissingDataError) as caught:
        run(absent, ("case", "lgl"))
    message = str(caught.value)
    assert "\n" not in message and str(absent) in message
    assert "--data" in message and DATA_ENV in message


def test_a_missing_set_in_the_folder_names_the_set_before_anything_is_scored(
    tmp_path: Path,
) -> None:
    (tmp_path / "case2021").mkdir()
    (tmp_path / "case2021" / "dev.tsv").write_text("", encoding="utf-8")
    with pytest.raises(MissingDataError) as caught:  # case is found, lgl is not: nothing runs
        run(tmp_path, ("case", "lgl"))
    message = str(caught.value)
    assert message.startswith("English places (LGL): no dev set at ") and "\n" not in message
    assert str(tmp_path / "geo" / "lgl.xml") in message and DATA_ENV in message


def test_our_own_sets_need_no_data_folder_in_a_checkout() -> None:
    for name in ("events", "stories"):
        with own_set(name) as path:
            kept = ROOT / "benchmarks" / name / "labelled.jsonl"
            assert path.read_bytes() == kept.read_bytes()


def site_packages() -> str:
    return sysconfig.get_paths()["purelib"]


def unpacked_wheel(tmp_path: Path) -> Path:
    built = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(built), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = built.glob("outpost-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert set(PACKAGED) <= names, set(PACKAGED) - names
        archive.extractall(tmp_path / "unpacked")
    return tmp_path / "unpacked"


# -I: no PYTHONPATH, no user site; -S: no .pth file, so not the editable install's source
# path either. The path is then the standard library, the unpacked wheel and the
# dependencies' site-packages, nothing else.
PROBE = """
import json, sys
sys.path[:0] = [sys.argv[1]]
sys.path.append(sys.argv[2])
import outpost
from outpost.evaluate.run import floors, own_set
with own_set("events") as events, own_set("stories") as stories:
    sets = {"events": str(events), "stories": str(stories)}
print(json.dumps({"package": outpost.__file__, "floors": floors(), "sets": sets}))
"""


@pytest.mark.slow
def test_eval_reads_everything_from_the_installed_wheel(tmp_path: Path) -> None:
    unpacked = unpacked_wheel(tmp_path)
    away = tmp_path / "elsewhere"  # not the repository: nothing is found relative to it
    away.mkdir()
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(unpacked), site_packages()],
        cwd=away,
        check=True,
        capture_output=True,
        text=True,
    )
    found = json.loads(done.stdout)
    assert Path(found["package"]).is_relative_to(unpacked)
    assert found["floors"] == floors() and found["floors"]["case"]["weighted_f1"] > 0
    for name, path in found["sets"].items():
        assert Path(path).is_relative_to(unpacked)
        kept = ROOT / "benchmarks" / name / "labelled.jsonl"
        assert Path(path).read_bytes() == kept.read_bytes()
