"""Figures: the data on the axes, the labels and the legends, not just that they save."""

# mypy: disable-error-code="attr-defined"
# (matplotlib hands artists back as their base classes, Patch and Text; these tests read the
# rectangles and annotations the figures drew, through those subclasses' own methods.)

import io
import math
import subprocess
import sys

import matplotlib.dates as mdates
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kneekit.progress import figures as plots
from kneekit.routines import figures as routine_figures
from kneekit.routines.routine import Assignment, default_routine, parse_routine
from tests.builders import TODAY, day, hist, run, session


def x(n):
    return mdates.date2num(day(n))


NAME = "Pat Jones"  # the client a figure's title names
RUNS = [run(14, 2, 4, 5), run(12, 4, 4, 6), run(10, 6, 5, 7), run(3, 3, 2, 8), run(1, 1, 2, 9)]
ASSIGNED = [
    Assignment(1, 0, "Old plan", day(60)),
    Assignment(1, 1, "Plan A", day(14)),
    Assignment(1, 2, "Plan B", day(7)),
]


def by_gid(artists, gid):
    return [a for a in artists if a.get_gid() == gid]


def drawn(fig: Figure) -> Figure:
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    return fig


def same(got, expected):
    return len(got) == len(expected) and all(
        (math.isnan(g) and e is None) or g == pytest.approx(e)
        for g, e in zip(got, expected, strict=True)
    )


@pytest.fixture
def trend():
    return drawn(plots.soreness_trend(hist(RUNS, assignments=ASSIGNED, name=NAME), TODAY))


def test_trend_lines_are_the_seven_day_means(trend):
    ax = trend.axes[0]
    # Left knee each day from 14 days ago: 2 . 4 . 6 . . . . . . 3 . 1 ., averaged over 7 days.
    left = [2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 3, 3, 2, 2]
    # Right: 4 . 4 . 5 . . . . . . 2 . 2 .
    right = [4, 4, 4, 4, 13 / 3, 13 / 3, 13 / 3, 4.5, 4.5, 5, 5, 2, 2, 2, 2]
    for gid, expected in (("rolling-left", left), ("rolling-right", right)):
        (line,) = by_gid(ax.get_lines(), gid)
        assert same(line.get_ydata(), expected)
        assert list(line.get_xdata()) == pytest.approx([x(14 - i) for i in range(15)])
    (points,) = by_gid(ax.get_lines(), "daily-left")
    assert list(points.get_ydata()) == [2, 4, 6, 3, 1]
    assert list(points.get_xdata()) == pytest.approx([x(14), x(12), x(10), x(3), x(1)])


def test_trend_bars_are_the_weekly_distance(trend):
    km_ax = trend.axes[1]
    bars = sorted(by_gid(km_ax.patches, "weekly-km"), key=lambda b: b.get_x())
    # Weeks ending today: days 20-14 (5 km), 13-7 (6 + 7), 6-0 (8 + 9).
    assert [b.get_height() for b in bars] == [5, 13, 17]
    assert [b.get_x() for b in bars] == pytest.approx([x(20), x(13), x(6)])
    assert all(b.get_width() == 7 for b in bars)
    assert "km" in km_ax.get_ylabel()


def test_trend_marks_each_routine_change_in_range(trend):
    ax = trend.axes[0]
    markers = by_gid(ax.get_lines(), "routine-change")
    assert sorted(m.get_xdata()[0] for m in markers) == pytest.approx([x(14), x(7)])
    labels = [t.get_text() for t in ax.texts]
    assert any("Plan A" in t for t in labels)
    assert any("Plan B" in t for t in labels)
    assert not any("Old plan" in t for t in labels)  # replaced on the first day shown


def test_trend_names_the_routine_already_in_use_when_the_plot_begins():
    fig = drawn(plots.soreness_trend(hist(RUNS, assignments=ASSIGNED), TODAY, start=day(10)))
    ax = fig.axes[0]
    assert [m.get_xdata()[0] for m in by_gid(ax.get_lines(), "routine-change")] == [x(7)]
    named = {t.get_text(): t.xy[0] for t in ax.texts if "routine:" in t.get_text()}
    assert named == {" routine: Plan A": x(10), " routine: Plan B": x(7)}


def test_trend_has_title_units_zones_and_legend(trend):
    ax = trend.axes[0]
    assert NAME in ax.get_title()
    assert "0" in ax.get_ylabel()
    assert "10" in ax.get_ylabel()
    assert ax.get_xlabel() == "Date"
    legend = [t.get_text() for t in trend.legends[0].get_texts()]
    for words in ("Left knee, 7-day average", "Right knee, each day", "Zone 0–2 safe"):
        assert words in legend
    assert "Distance per week (km)" in legend
    assert [t.get_text() for t in ax.texts if t.get_text() in {"safe", "acceptable", "high"}] == [
        "safe",
        "acceptable",
        "high",
    ]


def test_trend_text_stays_on_the_figure_and_off_the_plot(trend):
    """The trend's margins are fixed (for speed), so check nothing spills or overlaps."""
    canvas = FigureCanvasAgg(trend)
    canvas.draw()
    renderer = canvas.get_renderer()
    page = trend.bbox
    ax, km_ax = trend.axes
    labels = [ax.title, ax.xaxis.label, ax.yaxis.label, km_ax.yaxis.label]
    labels += [t for a in (ax, km_ax) for t in a.get_yticklabels() + a.get_xticklabels()]
    for text in labels:
        if text.get_visible() and text.get_text():
            box = text.get_window_extent(renderer)
            spill = [box.x0 < page.x0, box.x1 > page.x1, box.y0 < page.y0, box.y1 > page.y1]
            assert not any(spill), text.get_text()
    legend = trend.legends[0].get_window_extent(renderer)
    assert legend.y0 >= page.y0
    assert legend.y1 < ax.xaxis.label.get_window_extent(renderer).y0  # below "Date", not on it


def test_trend_of_an_empty_record_says_so():
    fig = drawn(plots.soreness_trend(hist(), TODAY))
    assert "No soreness check-ins recorded yet" in [t.get_text() for t in fig.axes[0].texts]


def test_adherence_calendar_cells_show_what_happened_each_day():
    h = hist(
        [run(0, 1, 1, 5), run(2, 1, 1, 5)],
        [session(0), session(1), session(3, completed=False)],
        name=NAME,
    )
    fig = drawn(plots.adherence_calendar(h, TODAY, weeks=4))
    ax = fig.axes[0]
    cells = {c.get_label(): c for c in ax.patches}
    # four calendar weeks, Monday first, up to today (a Tuesday): 3 * 7 + 2 days
    assert len(cells) == 23
    assert {iso: c.get_gid() for iso, c in cells.items() if c.get_gid() != "neither"} == {
        day(0).isoformat(): "both",
        day(1).isoformat(): "stretched",
        day(2).isoformat(): "ran",
    }
    assert cells[day(3).isoformat()].get_gid() == "neither"  # an unfinished session
    assert cells[TODAY.isoformat()].get_xy() == (1, 3)  # Tuesday, in the fourth row
    assert cells[day(22).isoformat()].get_xy() == (0, 0)  # the first Monday, top left
    assert NAME in ax.get_title()
    # The caption is the one adherence figure (last 4 weeks), worded as on every page.
    assert ax.get_xlabel() == "Stretching after runs, last 4 weeks: 1 of 2 runs (50%)."
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert len(fig.legends[0].get_texts()) == 4


def test_routine_timeline_draws_every_step_at_its_time():
    a = default_routine()
    b = a.with_changes(name="Short rests", rest=5)
    fig = drawn(routine_figures.routine_timeline([a, b]))
    ax = fig.axes[0]
    for row, routine in enumerate((a, b)):
        bars = sorted(
            (p for p in ax.patches if str(p.get_gid()).startswith(f"{routine.name}|")),
            key=lambda p: p.get_x(),
        )
        assert [(p.get_x(), p.get_width()) for p in bars] == [
            (s.start_s, s.duration_s) for s in routine.steps
        ]
        assert [p.get_gid().split("|")[1] for p in bars] == [s.kind for s in routine.steps]
        assert all(p.get_y() + p.get_height() / 2 == pytest.approx(row) for p in bars)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Post-run knees", "Short rests"]
    assert "min" in ax.get_xlabel()
    assert "compared" in ax.get_title()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Hold", "Get into position", "Change legs", "Rest"]
    texts = [t.get_text() for t in ax.texts]
    assert "8 min 30 s" in texts  # the default routine: 4 x (5 + 30 + 5 + 30 + 10 + 30 + 5 + 30)


def test_dose_chart_bars_are_seconds_held_against_the_guideline():
    short = parse_routine(
        "name: Short\nstretches:\n  - stretch: quadriceps\n    reps: 2\n"
        "  - stretch: hamstring\n    hold: 20\n"
    )
    fig = drawn(routine_figures.dose_chart([default_routine(), short]))
    ax = fig.axes[0]
    full = [b.get_height() for b in by_gid(ax.patches, "Post-run knees|left")]
    assert full == [60, 60, 60, 60]
    # quadriceps 2 x 30 s per leg; hamstring once for 20 s (both legs at once); others not worked
    assert [b.get_height() for b in by_gid(ax.patches, "Short|right")] == [60, 20, 0, 0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Quadriceps",
        "Hamstrings",
        "Calves",
        "Hip flexors",
    ]
    (guideline,) = by_gid(ax.get_lines(), "guideline")
    assert list(guideline.get_ydata()) == [60, 60]
    assert "(s)" in ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Short, left leg" in legend
    assert any("Garber" in t for t in legend)


def test_names_are_shown_as_typed_not_as_mathematics():
    fig = drawn(plots.soreness_trend(hist(RUNS, name="Ann $x$ Lee"), TODAY))
    title = fig.axes[0].title
    assert title.get_text() == "Ann $x$ Lee: knee soreness and weekly running distance"
    assert title.get_parse_math() is False


def test_plots_leave_pyplot_alone():
    code = "import sys, kneekit.progress.figures; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("count", [2, 4])
def test_the_trend_legend_takes_any_number_of_zones(count, monkeypatch):
    bands = [(i, i + 1, "#eeeeee", f"{i}–{i + 1} band{i}") for i in range(count)]
    monkeypatch.setattr(plots, "ZONES", tuple(bands))
    fig = drawn(plots.soreness_trend(hist(RUNS), TODAY))
    legend = [t.get_text() for t in fig.legends[0].get_texts() if t.get_text().strip()]
    assert [t for t in legend if t.startswith("Zone")] == [f"Zone {b[3]}" for b in bands]
    assert len(legend) == 4 + count + 1  # four knee lines, the zones, the distance
