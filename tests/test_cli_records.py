"""The records commands of ``kneekit``: clients, check-ins, exports and the demo clinic."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from kneekit.cli import main
from kneekit.records.store import Store


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clinic(db_path) -> str:
    with Store.open(db_path) as store:
        store.add_client("Anna K.", datetime(2026, 1, 5, tzinfo=UTC))
        store.add_client("Tom B.", datetime(2026, 1, 6, tzinfo=UTC))
    return str(db_path)


def test_clients_lists_them_or_says_how_to_add_one(capsys, db_path):
    code, out, _ = run(capsys, "clients", "--db", str(db_path))
    assert code == 0
    assert "No clients yet. Add one with: kneekit client add NAME" in out
    assert run(capsys, "client", "add", "Anna K.", "--db", str(db_path))[1] == (
        "Added client 1: Anna K.\n"
    )
    code, out, _ = run(capsys, "--db", str(db_path), "clients")  # --db before the command too
    assert out.splitlines()[1].split()[:3] == ["1", "Anna", "K."]
    assert "kneekit's built-in routine" in out


def test_the_database_comes_from_kneekit_db_without_db(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KNEEKIT_DB", str(tmp_path / "env.sqlite3"))
    assert run(capsys, "client", "add", "Env E.")[0] == 0
    with Store.open(tmp_path / "env.sqlite3") as store:
        assert [c.name for c in store.clients()] == ["Env E."]


def test_a_duplicate_client_is_refused_in_words(capsys, clinic):
    code, out, err = run(capsys, "client", "add", "anna k.", "--db", clinic)
    assert (code, out) == (2, "")
    assert "there is already a client called 'Anna K.' (number 1)" in err
    assert "Traceback" not in err


def test_checkin_saves_what_was_typed(capsys, clinic):
    code, out, _ = run(
        capsys, "checkin", "tom b.", "--left", "3", "--right", "1", "--km", "5,5",
        "--minutes", "31", "--note", "Hills today", "--at", "2026-03-01T18:30+01:00",
        "--db", clinic,
    )  # fmt: skip
    assert code == 0
    assert out.startswith("Saved for Tom B.: left knee 3, right knee 1 (after-run, ")
    with Store.open(clinic) as store:
        (saved,) = store.history(2).checkins
    assert (saved.left, saved.right, saved.km, saved.minutes, saved.note) == (
        3, 1, 5.5, 31.0, "Hills today"
    )  # fmt: skip
    assert saved.at == datetime(2026, 3, 1, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Anna K.", "--left", "11", "--right", "2"], "left knee soreness must be a whole number"),
        (["Anna K.", "--left", "7.5", "--right", "2"], "it is 7.5"),
        (["Anna K.", "--left", "seven", "--right", "2"], "it is 'seven'"),
        (
            ["Anna K.", "--left", "1", "--right", "2", "--km", "-4"],
            "run km must be a number from 0 to 320",
        ),
        (["Anna K.", "--left", "1", "--right", "2", "--context", "run"], "context: must be one of"),
        (["Anna K.", "--left", "1", "--right", "2", "--at", "yesterday"], "is not a date and time"),
        (["Anna K.", "--left", "1", "--right", "2", "--at", "2999-01-01 10:00"], "in the future"),
        (["Ana", "--left", "1", "--right", "2"], "no client called 'Ana'. Did you mean 'Anna K.'?"),
    ],
)
def test_a_bad_checkin_says_what_is_wrong_and_writes_nothing(capsys, clinic, args, message):
    code, out, err = run(capsys, "checkin", *args, "--db", clinic)
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err
    with Store.open(clinic) as store:
        assert [len(h.checkins) for h in store.histories()] == [0, 0]


def test_export_writes_csv_and_json_files_or_prints(capsys, clinic, tmp_path):
    main(["checkin", "1", "--left", "2", "--right", "4", "--note", "=HYPERLINK(x)", "--db", clinic])
    capsys.readouterr()
    code, out, _ = run(capsys, "export", "Anna K.", "--format", "csv", "--db", clinic)
    assert code == 0
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert (row["record"], row["left"], row["right"], row["note"]) == (
        "check-in", "2", "4", "'=HYPERLINK(x)"
    )  # fmt: skip
    target = tmp_path / "anna.json"
    code, out, _ = run(capsys, "export", "1", "--format", "json", "-o", str(target), "--db", clinic)
    assert (code, out) == (0, f"Wrote Anna K.'s records to {target}\n")
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["client"]["name"] == "Anna K."
    assert data["checkins"][0]["note"] == "=HYPERLINK(x)"  # JSON keeps the text as typed
    assert list(tmp_path.glob("*.part")) == []


def test_export_of_an_unknown_client_or_to_a_missing_folder_is_refused(capsys, clinic, tmp_path):
    code, _, err = run(capsys, "export", "Zed", "--format", "csv", "--db", clinic)
    assert (code, "no client called 'Zed'" in err) == (2, True)
    missing = tmp_path / "no" / "such" / "folder" / "x.csv"
    code, _, err = run(capsys, "export", "1", "--format", "csv", "-o", str(missing), "--db", clinic)
    assert code == 2
    assert "the export cannot be written here" in err


def test_demo_makes_a_clinic_once(capsys, db_path):
    code, out, _ = run(capsys, "demo", "--db", str(db_path))
    assert code == 0
    assert out.startswith(f"Demo clinic made in {db_path}:\n  8 clients, ")
    assert "Tom B.     a flare after weekly distance jumped by over 30%" in out
    code, out, err = run(capsys, "demo", "--db", str(db_path))
    assert (code, out) == (2, "")
    assert "already has clients, so no demo was added" in err
    with Store.open(db_path) as store:
        last = max(c.at for h in store.histories() for c in h.checkins)
    assert datetime.now(UTC) - timedelta(days=2) < last < datetime.now(UTC)


def test_a_file_that_is_not_a_clinic_database_is_refused_untouched(capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping: milk\n", encoding="utf-8")
    code, out, err = run(capsys, "clients", "--db", str(notes))
    assert (code, out) == (2, "")
    assert "this is not a kneekit database (it is not an SQLite database)" in err
    assert notes.read_text(encoding="utf-8") == "shopping: milk\n"


def test_report_writes_a_pdf_for_the_routine_in_use(capsys, db_path, tmp_path):
    assert run(capsys, "demo", "--db", str(db_path))[0] == 0
    out = tmp_path / "maya.pdf"
    code, printed, _ = run(capsys, "report", "Maya R.", "-o", str(out), "--db", str(db_path))
    assert code == 0
    assert printed.strip() == f"Wrote Maya R.'s progress report to {out}"
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 4  # summary + figures


def test_report_for_an_unknown_client_or_a_missing_folder_is_refused(capsys, clinic, tmp_path):
    code, _, err = run(capsys, "report", "Nobody", "-o", str(tmp_path / "r.pdf"), "--db", clinic)
    assert code == 2
    assert "Nobody" in err
    code, _, err = run(capsys, "report", "1", "-o", str(tmp_path / "no" / "r.pdf"), "--db", clinic)
    assert code == 2
    assert "does not exist" in err
    assert not (tmp_path / "r.pdf").exists()
