"""Multiple-choice options: one test per rule of quizgen/distractors.py."""

from __future__ import annotations

from pathlib import Path

from projects import ITEM_KIND, card, compile_, item, write_project

from quizgen.distractors import compatible, near_misses, shape_of
from quizgen.text import fold


def options(tmp_path: Path, sources, card_id: str = "p0/a/choice", kinds=None):  # type: ignore[no-untyped-def]
    _, cards, problems = compile_(write_project(tmp_path / "p", sources, kinds))
    return set(card(cards, card_id).choices), problems


def test_shapes_tell_numbers_lists_and_texts_apart() -> None:
    assert compatible(shape_of(">99%"), shape_of("over 95%"))
    assert not compatible(shape_of(">99%"), shape_of("57"))
    assert not compatible(shape_of(">99%"), shape_of("99%"))  # a comparison reads differently
    assert not compatible(shape_of("128k"), shape_of("57"))  # a scaled figure beside a count
    assert compatible(shape_of("128k"), shape_of("1M"))
    assert compatible(shape_of("57 games"), shape_of("30 game"))
    assert not compatible(shape_of("57 games"), shape_of("57 tokens"))
    assert not compatible(shape_of(("a", "b")), shape_of(("a", "b", "c")))
    assert compatible(shape_of("Muesli"), shape_of("Gemini 1.5 Pro"))
    assert not compatible(
        shape_of("Muesli"), shape_of("a novel policy update that combines two things")
    )


def test_numbers_get_numbers_of_the_same_unit(tmp_path: Path) -> None:
    facts = [item("a", "57"), item("b", "30"), item("c", ">99%"), item("d", "3"),
             item("e", "128k"), item("f", "12")]  # fmt: skip
    got, _ = options(tmp_path, [{"facts": facts}])
    # Counts only, and none so far from 57 that it reads as absurd (3): a near miss fills in.
    assert {"57", "30", "12"} < got and len(got) == 4
    assert not got & {">99%", "128k", "3"}


def test_lists_get_lists_of_as_many_items(tmp_path: Path) -> None:
    kind = {**ITEM_KIND, "templates": [{**ITEM_KIND["templates"][0], "answer": "items"}]}
    facts = [
        item("a", "x", items=["alpha", "beta"]),
        item("b", "x", items=["gamma", "delta"]),
        item("c", "x", items=["one", "two", "three"]),
        item("d", "x", items=["epsilon", "zeta"]),
        item("e", "x", items=["eta", "theta"]),
        item("f", "x", items=["four", "five", "six", "seven"]),
    ]
    got, _ = options(tmp_path, [{"facts": facts}], kinds=[kind])
    assert got == {"alpha and beta", "gamma and delta", "epsilon and zeta", "eta and theta"}


def test_agree_keeps_options_of_the_same_category(tmp_path: Path) -> None:
    kind = {**ITEM_KIND, "templates": [{**ITEM_KIND["templates"][0], "agree": ["category"]}]}
    facts = [item("a", "Muesli", "method"), item("b", "MuZero", "method"),
             item("c", "Gemini", "model"), item("d", "Agent57", "method"),
             item("e", "Podracer", "framework"), item("f", "PPO", "method")]  # fmt: skip
    got, _ = options(tmp_path, [{"facts": facts}], kinds=[kind])
    assert got == {"Muesli", "MuZero", "Agent57", "PPO"}


def test_same_paper_first_then_a_shared_tag_then_the_rest(tmp_path: Path) -> None:
    sources = [
        {"facts": [item("a", "Alpha", tags=["rl"]), item("b", "Beta")]},
        {"facts": [item("c", "Gamma", tags=["rl"]), item("d", "Delta", tags=["rl"])]},
        {"facts": [item(f"x{i}", f"Other{i}") for i in range(6)]},
    ]
    got, _ = options(tmp_path, sources)
    assert got == {"Alpha", "Beta", "Gamma", "Delta"}


def test_hand_written_distractors_come_first(tmp_path: Path) -> None:
    facts = [item("a", "Alpha", distractors={"answer": ["Zeta", "Eta"]})]
    facts += [item(f"x{i}", f"Other{i}") for i in range(5)]
    got, _ = options(tmp_path, [{"facts": facts}])
    assert {"Alpha", "Zeta", "Eta"} < got and len(got) == 4


def test_never_the_answer_in_another_spelling_nor_an_alias(tmp_path: Path) -> None:
    facts = [
        item("a", "Gemini Ultra", aliases={"Gemini Ultra": ["Gemini 1.0 Ultra"]}),
        item("b", "gemini-ultra."),
        item("c", "Gemini 1.0 Ultra"),
        item("d", "Nano"), item("e", "Pro"), item("f", "Flash"),
    ]  # fmt: skip
    got, _ = options(tmp_path, [{"facts": facts}])
    assert got == {"Gemini Ultra", "Nano", "Pro", "Flash"}


def test_never_an_option_the_question_shows(tmp_path: Path) -> None:
    facts = [
        {**item("a", "Muesli"), "thing": "the one that matches MuZero"},
        item("b", "MuZero"), item("c", "Nano"), item("d", "Pro"), item("e", "Flash"),
    ]  # fmt: skip
    got, _ = options(tmp_path, [{"facts": facts}])
    assert got == {"Muesli", "Nano", "Pro", "Flash"}


def test_never_what_another_fact_answers_to_the_same_question(tmp_path: Path) -> None:
    # Two facts whose questions read the same (up to case and punctuation, which check warns
    # about): each one's answer is right for both.
    facts = [
        {**item("a", "Alpha"), "thing": "the fastest"},
        {**item("b", "Beta"), "thing": "The fastest!"},
        item("c", "Gamma"), item("d", "Delta"), item("e", "Epsilon"),
    ]  # fmt: skip
    (tmp_path / "p").mkdir()
    got, _ = options(tmp_path / "p", [{"facts": facts}])
    assert "Beta" not in got and len(got) == 4


def test_exact_numbers_get_near_misses_in_their_own_notation() -> None:
    misses = near_misses("57", "some/card/id")
    assert misses and all(m.isdigit() and m != "57" for m in misses)
    assert all(m.endswith("k") for m in near_misses("200k", "x"))
    assert all(m.endswith("%") and float(m[:-1]) <= 100 for m in near_misses("40%", "x"))
    assert near_misses("57", "a") == near_misses("57", "a")  # drawn from the card id


def test_a_comparison_gets_no_near_miss_that_could_also_be_true() -> None:
    # Beside ">99%", "over 95%" would be true too.
    assert near_misses(">99%", "x") == []
    assert near_misses("at least 10M tokens", "x") == []
    assert near_misses("fewer than 200", "x") == []


def test_near_misses_fill_a_number_card(tmp_path: Path) -> None:
    facts = [item("a", "57"), item("b", ">99%")]
    got, problems = options(tmp_path, [{"facts": facts}])
    assert "57" in got and len(got) == 4 and ">99%" not in got
    assert not [p for p in problems if "options" in p]


def test_too_few_of_the_same_shape_gives_fewer_options_and_a_warning(tmp_path: Path) -> None:
    facts = [item("a", "Alpha"), item("b", "Beta"), item("c", "Gamma"),
             item("d", "a much longer answer of many words that no name resembles")]  # fmt: skip
    got, problems = options(tmp_path, [{"facts": facts}])
    assert got == {"Alpha", "Beta", "Gamma"}  # never padded with the long one
    assert (
        "warning: card p0/a/choice gets 3 options, not the 4 template 'item/choice' asks for: "
        "only 2 other 'answer' answers fit (same shape, not in the question); add "
        "'distractors:' to the fact"
    ) in problems


def test_below_three_options_is_an_error_and_no_card(tmp_path: Path) -> None:
    facts = [item("a", "Alpha"), item("b", "Beta"),
             item("c", "a much longer answer of many words that no name resembles")]  # fmt: skip
    _, cards, problems = compile_(write_project(tmp_path / "p", [{"facts": facts}]))
    assert "p0/a/choice" not in {c.id for c in cards}
    assert (
        "card p0/a/choice can offer 2 options, too few for multiple choice (template "
        "'item/choice'): only 1 other 'answer' answer fits (same shape, not in the question); "
        "add 'distractors:' to the fact"
    ) in problems


def test_options_are_distinct_deterministic_and_hold_the_answer_once(tmp_path: Path) -> None:
    facts = [item(f"f{i}", f"Name{i}") for i in range(12)]
    root = write_project(tmp_path / "p", [{"facts": facts}])
    _, cards, _ = compile_(root)
    _, again, _ = compile_(root)
    assert [c.choices for c in cards] == [c.choices for c in again]
    for c in cards:
        assert c.choices.count(c.answer) == 1
        assert len({fold(o) for o in c.choices}) == len(c.choices) == 4


def test_agree_on_paper_keeps_options_to_the_same_paper(tmp_path: Path) -> None:
    kind = {**ITEM_KIND, "templates": [{**ITEM_KIND["templates"][0], "agree": ["paper"]}]}
    sources = [
        {"facts": [item("a", "Alpha"), item("b", "Beta"), item("c", "Gamma")]},
        {"facts": [item(f"x{i}", f"Other{i}") for i in range(6)]},
    ]
    got, problems = options(tmp_path, sources, kinds=[kind])
    assert got == {"Alpha", "Beta", "Gamma"}
    assert any("gets 3 options" in p for p in problems)


def test_lists_of_numbers_are_not_lists_of_names() -> None:
    assert not compatible(shape_of(("100 layers", "1000 layers")), shape_of(("FID", "distortion")))
    assert compatible(shape_of(("8 GPUs", "3.5 days")), shape_of(("2 TPUs", "4 days")))


def test_a_fact_can_skip_a_template(tmp_path: Path) -> None:
    facts = [item("a", ">99%", skip=["choice"]), item("b", "Beta"), item("c", "Gamma"),
             item("d", "Delta"), item("e", "Epsilon")]  # fmt: skip
    ask = {"id": "ask", "front": "In {paper}, what is {thing}?", "answer": "answer"}
    kind = {**ITEM_KIND, "templates": [*ITEM_KIND["templates"], ask]}
    _, cards, problems = compile_(write_project(tmp_path / "p", [{"facts": facts}], [kind]))
    assert {c.id for c in cards if c.fact == "a"} == {"p0/a/ask"}
    assert problems == []


def test_numbers_far_from_the_answer_are_not_drawn() -> None:
    assert not compatible(shape_of("3"), shape_of("57"))
    assert compatible(shape_of("57"), shape_of("20"))


def test_near_misses_keep_a_scaled_figure_readable() -> None:
    assert all(1 <= float(m[:-1]) < 1000 for m in near_misses("200k", "x"))
    assert "2000k" not in near_misses("500k", "any")


def test_a_shortage_under_agree_says_so(tmp_path: Path) -> None:
    kind = {**ITEM_KIND, "templates": [{**ITEM_KIND["templates"][0], "agree": ["category"]}]}
    facts = [item("a", "Alpha", "method"), item("b", "Beta", "model"), item("c", "Gamma", "model")]
    _, _, problems = compile_(write_project(tmp_path / "p", [{"facts": facts}], [kind]))
    assert (
        "card p0/a/choice can offer 1 option, too few for multiple choice (template "
        "'item/choice'): no other 'answer' answer fits (same shape, same category, not in the "
        "question); add 'distractors:' to the fact"
    ) in problems
