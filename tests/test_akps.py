"""The knee questionnaire: the shipped file, strict loading, scoring by hand, partial answers."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kneekit.outcomes import akps
from kneekit.outcomes.akps import MCID, QuestionnaireError, load, score

NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def test_shipped_instrument_has_13_items_whose_best_answers_make_100() -> None:
    inst = load()
    assert len(inst.items) == 13
    assert sum(i.best for i in inst.items) == 100
    assert [i.best for i in inst.items] == [5, 5, 5, 10, 5, 10, 10, 10, 10, 10, 10, 5, 5]


def test_all_best_is_100_and_all_worst_is_0() -> None:
    inst = load()
    best = score(inst, 1, NOW, [1] * 13, now=NOW)
    worst = score(inst, 1, NOW, [len(i.options) for i in inst.items], now=NOW)
    assert (best.total, worst.total) == (100, 0)


def test_a_mixed_set_scores_what_it_does_by_hand() -> None:
    # limp 2nd (3), support 1st (5), walking 3rd (2), stairs 2nd (8), squatting 4th (2),
    # running 3rd (6), jumping 2nd (7), sitting 4th (4), pain 2nd (8), swelling 3rd (6),
    # kneecap 1st (10), thigh 2nd (3), bending 3rd (0): 3+5+2+8+2+6+7+4+8+6+10+3+0 = 64
    answers = [2, 1, 3, 2, 4, 3, 2, 4, 2, 3, 1, 2, 3]
    result = score(load(), 7, NOW, answers, now=NOW)
    assert result.total == 64
    assert result.answers == tuple(answers)
    assert result.fingerprint == load().fingerprint


def test_partial_answers_are_refused_naming_each_missing_item() -> None:
    with pytest.raises(QuestionnaireError) as caught:
        score(load(), 1, NOW, [1, None, 1, 1, 1, 1, 1, 1, 1, 1, 1], now=NOW)
    text = str(caught.value)
    assert "item 2 (Putting your weight on the leg)" in text
    assert "item 12 (Wasting of the thigh muscles)" in text
    assert "item 13 (Bending the knee all the way)" in text
    assert "item 1 " not in text


def test_an_option_number_out_of_range_is_refused() -> None:
    with pytest.raises(QuestionnaireError, match=r"item 1 .* options 1 to 3; the answer is 4"):
        score(load(), 1, NOW, [4] + [1] * 12, now=NOW)


def test_a_future_time_is_refused() -> None:
    with pytest.raises(QuestionnaireError, match="in the future"):
        score(load(), 1, NOW + timedelta(days=1), [1] * 13, now=NOW)


GOOD = """\
name: Tiny
items:
  - id: a
    topic: First
    options:
      - {text: fine, points: 60}
      - {text: bad, points: 0}
  - id: b
    topic: Second
    options:
      - {text: fine, points: 40}
      - {text: bad, points: 0}
"""


def test_a_clinic_file_loads_and_gets_its_own_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "licensed.yaml"
    path.write_text(GOOD, encoding="utf-8")
    inst = load(path)
    assert inst.name == "Tiny"
    assert inst.fingerprint != load().fingerprint
    assert score(inst, 1, NOW, [1, 2], now=NOW).total == 60


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("points: 40", "points: 30"), "add up to 90, not 100"),
        (("points: 60", "points: -1"), "whole number >= 0"),
        (("      - {text: bad, points: 0}\n  - id: b", "  - id: b"), "two or more options"),
        (
            (
                "fine, points: 60}\n      - {text: bad, points: 0",
                "bad, points: 0}\n      - {text: fine, points: 60",
            ),
            "most to fewest",
        ),
        (("id: b", "id: a"), "two items have the id 'a'"),
        (("name: Tiny", "name: ''"), "give the questionnaire a name"),
        (("{text: bad, points: 0}", "{text: bad, point: 0}"), "unknown field 'point'"),
        (("topic: First", "topik: First"), "unknown field 'topik'"),
    ],
)
def test_bad_instrument_files_are_refused_in_words(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(*edit), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=message):
        load(path)


def test_words_compare_only_within_one_instrument() -> None:
    inst = load()
    first = score(inst, 1, NOW - timedelta(days=42), [2] * 13, now=NOW)
    last = score(inst, 1, NOW, [1] * 13, now=NOW)
    assert last.total - first.total >= MCID
    words = akps.latest_akps_words([first, last])
    assert "100/100" in words
    assert "better" in words
    assert f"{MCID} points" in words
    other = akps.Score(1, NOW - timedelta(days=1), 20, first.answers, "Translation", "f" * 64)
    # a score from another file is not compared with the latest one
    assert akps.change([first, other, last]) == last.total - first.total
    assert "not filled in" in akps.latest_akps_words([])
