"""The routine commands of ``kneekit``: what a physio sees in a terminal."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kneekit.cli import main
from kneekit.routines.routine import default_routine

VARIANT = "name: Calf focus\nstretches:\n  - stretch: calf\n    hold: 30\n    reps: 3\n"


@pytest.fixture
def variant(tmp_path: Path) -> Path:
    path = tmp_path / "calf.yaml"
    path.write_text(VARIANT, encoding="utf-8")
    return path


def test_check_summarises_a_valid_routine(variant, capsys):
    assert main(["routine", "check", str(variant)]) == 0
    out = capsys.readouterr().out
    assert "Calf focus: OK" in out
    assert "12 steps, 3 min 40 s in all" in out
    assert "calves         left   90 s   right   90 s" in out


def test_check_without_a_file_checks_the_default_routine(capsys):
    assert main(["routine", "check"]) == 0
    assert capsys.readouterr().out.startswith("Post-run knees: OK")


def test_check_reports_every_problem_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: R\nrest: 500\nstretches:\n  - stretch: quadricep\n", encoding="utf-8")
    assert main(["routine", "check", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{bad}, line 2: rest: must be a whole number from 0 to 120 s" in captured.err
    assert "did you mean 'quadriceps'?" in captured.err
    assert "Traceback" not in captured.err


def test_plan_json_is_the_documented_object(capsys):
    assert main(["routine", "plan", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    routine = default_routine()
    assert plan["name"] == "Post-run knees"
    assert plan["total_s"] == routine.total_s == 510
    assert plan["steps"][1] == {
        "kind": "hold",
        "stretch": "quadriceps",
        "side": "right",
        "rep": 1,
        "start_s": 5,
        "duration_s": 30,
    }
    assert {s["kind"] for s in plan["steps"]} == {"prepare", "hold", "switch", "rest"}
    assert all(
        set(s) == {"kind", "stretch", "side", "rep", "start_s", "duration_s"} for s in plan["steps"]
    )


def test_plan_as_text(variant, capsys):
    assert main(["routine", "plan", str(variant)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Calf focus (3 min 40 s)"
    assert lines[2].split() == [
        "5",
        "s",
        "30",
        "s",
        "Hold",
        "Wall",
        "calf",
        "stretch,",
        "right",
        "leg",
        "(rep",
        "1)",
    ]


def test_compare_two_variants(tmp_path, variant, capsys):
    default = tmp_path / "default.yaml"
    default.write_text(default_routine().to_yaml(), encoding="utf-8")
    assert main(["routine", "compare", str(default), str(variant)]) == 0
    out = capsys.readouterr().out
    assert "Wall calf stretch reps: 2 -> 3" in out
    assert "Standing hamstring stretch dropped" in out


def test_own_catalogue_is_used(tmp_path, capsys):
    catalogue = tmp_path / "mine.yaml"
    catalogue.write_text(
        "wall-sit:\n  name: Wall sit\n  muscles: [quadriceps]\n  group: quadriceps\n"
        "  why: Strength, not stretch, for contrast.\n  position: sitting\n  one_sided: no\n"
        "  hold_min: 20\n  hold_max: 60\n  cues: [Slide down the wall.]\n",
        encoding="utf-8",
    )
    routine = tmp_path / "r.yaml"
    routine.write_text("name: R\nstretches:\n  - stretch: wall-sit\n", encoding="utf-8")
    assert main(["routine", "check", str(routine)]) == 2
    assert "unknown stretch 'wall-sit'" in capsys.readouterr().err
    assert main(["routine", "check", str(routine), "--catalogue", str(catalogue)]) == 0
    assert main(["stretches", "--catalogue", str(catalogue)]) == 0
    assert "Wall sit (wall-sit)" in capsys.readouterr().out


def test_installed_command_runs_and_survives_a_closed_pipe():
    result = subprocess.run(
        [sys.executable, "-m", "kneekit.cli", "routine", "plan"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "Hold Standing quadriceps stretch, right leg (rep 1)" in result.stdout
    piped = subprocess.run(
        f"{sys.executable} -m kneekit.cli routine plan | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert piped.stdout == "Post-run knees (8 min 30 s)\n"
    assert "Traceback" not in piped.stderr
