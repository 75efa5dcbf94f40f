"""The progress report: a complete PDF with the summary and the figures, or a clear error."""

import random
import re

import pytest

from kneekit.errors import ReportError
from kneekit.paper.report import NOTE, summary, write_report
from kneekit.routines.routine import Assignment, default_routine, parse_routine
from tests.builders import TODAY, day, hist, run, session


def calm_history():
    """Six weeks of steady, low soreness on one routine: nothing to flag."""
    return hist(
        [run(n, 2, 1) for n in range(41, -1, -2)],
        [session(n) for n in range(41, -1, -4)],
        [Assignment(1, 1, "Post-run knees v1", day(41))],
        name="Robin Miles",
    )


def pages(path):
    return len(re.findall(rb"/Type\s*/Page(?!s)", path.read_bytes()))


def page_sizes(path):
    """Each page's (width, height) in inches, in page order."""
    boxes = re.findall(rb"/MediaBox\s*\[([^\]]*)\]", path.read_bytes())
    return [tuple(round(float(v) / 72, 2) for v in box.split()[2:]) for box in boxes]


A4 = (8.27, 11.69)
A4_SIDEWAYS = (11.69, 8.27)  # the four figures: every page prints on A4 (issue 13)


def test_report_has_the_summary_then_the_four_figures(tmp_path):
    out = write_report(calm_history(), default_routine(), tmp_path / "report.pdf", TODAY)
    assert out == tmp_path / "report.pdf"
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    sizes = page_sizes(out)
    assert pages(out) == len(sizes)
    # the summary on A4 (two pages here: the closing note moves over), then the four figures
    assert sizes == [A4, A4, A4_SIDEWAYS, A4_SIDEWAYS, A4_SIDEWAYS, A4_SIDEWAYS]
    assert b"Knee soreness progress report: Robin Miles" in data  # the document title
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no temporary files left


def test_report_without_a_routine_leaves_out_its_pages(tmp_path):
    out = write_report(calm_history(), None, tmp_path / "r.pdf", TODAY)
    assert page_sizes(out) == [A4, A4_SIDEWAYS, A4_SIDEWAYS]  # a shorter summary fits one page


def test_report_of_a_new_client_with_no_records(tmp_path):
    empty = hist(name="New Client", client=2)
    out = write_report(empty, None, tmp_path / "new.pdf", TODAY)
    assert page_sizes(out)[-2:] == [A4_SIDEWAYS, A4_SIDEWAYS]
    words = " ".join(text for _, text in summary(empty, None, TODAY, random.Random(0)))
    assert "No records yet" in words
    assert "not enough data" in words


def test_same_records_give_the_same_file(tmp_path):
    a = write_report(calm_history(), default_routine(), tmp_path / "a.pdf", TODAY)
    b = write_report(calm_history(), default_routine(), tmp_path / "b.pdf", TODAY)
    assert a.read_bytes() == b.read_bytes()


def test_an_existing_report_is_replaced_whole(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"last month's report")
    write_report(calm_history(), None, target, TODAY)
    assert target.read_bytes().startswith(b"%PDF")
    assert page_sizes(target)[-1] == A4_SIDEWAYS


def test_summary_says_what_a_physio_needs_in_plain_words():
    h = calm_history()
    blocks = summary(h, default_routine(), TODAY, random.Random(0))
    words = "\n".join(text for _, text in blocks)
    assert ("name", "Robin Miles") in blocks
    assert "Records from 18 Feb 2026 to 31 Mar 2026" in words
    assert "Nothing flagged: soreness within the pain-monitoring limits" in words
    assert "Left knee: 7-day average 2.0 (safe zone)" in words
    assert "2.0 in the first 14 days, 2.0 in the last 14" in words
    assert "no meaningful change" in words
    assert "Last 4 weeks: 7 of 14 runs (50%)." in words
    assert "Whole record, since 18 Feb 2026: 11 of 21 runs (52%)." in words
    assert "Post-run knees v1, since 18 Feb 2026." in words
    assert "Quadriceps: left 60 s, right 60 s." in words
    assert NOTE in words
    assert "strengthens" in NOTE
    assert "does not diagnose" in NOTE
    assert "Routine versions compared" not in words


def test_summary_lists_flags_shortfalls_and_the_version_comparison_with_caveats():
    base = calm_history()
    flare = (run(1, 7, 3, km=20.0),)
    switched = hist(
        base.checkins + flare,
        base.sessions,
        (*base.assignments, Assignment(1, 2, "Longer holds v2", day(20))),
        name=base.name,
    )
    short = parse_routine("name: Quick\nstretches:\n  - stretch: calf\n    hold: 20\n")
    words = "\n".join(text for _, text in summary(switched, short, TODAY, random.Random(0)))
    assert "Left knee above 5 after a run" in words
    assert "Weekly distance up more than 30%" in words
    assert "short of the ~60 s guideline" in words
    assert "Routine versions compared" in words
    assert "95% interval" in words
    assert "not assigned at random" in words


def test_a_missing_folder_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(ReportError, match="does not exist") as error:
        write_report(calm_history(), None, tmp_path / "nowhere" / "r.pdf", TODAY)
    assert "create it or choose another place" in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_given_as_the_file_is_refused(tmp_path):
    with pytest.raises(ReportError, match="this is a folder"):
        write_report(calm_history(), None, tmp_path, TODAY)
    assert list(tmp_path.iterdir()) == []
