"""Card-quality warnings (quizgen/checks.py): one test per finding, and `check --strict`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from projects import item, write_project

from quizgen.checks import gives_away, stated_count
from quizgen.cli import main
from quizgen.project import validate


def kind(front: str, answer: str = "answer", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "item",
        "fields": {"category": "text", "thing": "text", "answer": "text", "items": "list?"},
        "templates": [{"id": "ask", "front": front, "answer": answer}],
        **extra,
    }


def warnings(tmp_path: Path, facts: list[dict[str, Any]], front: str, **extra: Any) -> list[str]:
    root = write_project(tmp_path / "p", [{"facts": facts}], [kind(front, **extra)])
    report = validate(root, quality=True)
    assert not [p for p in report.problems if not p.warning], report.problems
    return [p.message for p in report.problems]


def test_a_question_that_shows_its_answer(tmp_path: Path) -> None:
    facts = [{**item("a", "deep search"), "thing": "what Muesli does without deep search"}]
    assert warnings(tmp_path, facts, "In {paper}, {thing}?") == [
        'card p0/a/ask gives its answer away: the question shows "deep search"'
    ]


def test_a_question_that_shows_every_content_word_of_its_answer(tmp_path: Path) -> None:
    facts = [{**item("a", "the searches of depth"), "thing": "why depth matters to searches"}]
    assert warnings(tmp_path, facts, "In {paper}, {thing}?") == [
        'card p0/a/ask gives its answer away: the question shows "the searches of depth"'
    ]


def test_a_question_with_some_of_the_answers_words_is_fine(tmp_path: Path) -> None:
    facts = [{**item("a", "acting with a policy network"), "thing": "how it avoids search"}]
    assert warnings(tmp_path, facts, "In {paper}, {thing}?") == []


def test_gives_away_ignores_the_options_of_a_choice_card(tmp_path: Path) -> None:
    # The options hold the answer by design; only the question counts.
    facts = [item(f"f{i}", f"Name{i}") for i in range(5)]
    root = write_project(
        tmp_path / "p",
        [{"facts": facts}],
        [{**kind("In {paper}, which is {thing}?"), "templates": [
            {"id": "choice", "front": "In {paper}, which is {thing}?", "answer": "answer",
             "choices": 4}]}],
    )  # fmt: skip
    report = validate(root, quality=True)
    assert report.problems == []
    assert all(not gives_away(c) for c in report.cards)


def test_mixed_shapes_among_hand_written_options(tmp_path: Path) -> None:
    facts = [item("a", "57", distractors={"answer": ["30", "12%", "fewer than 9"]})]
    root = write_project(
        tmp_path / "p",
        [{"facts": facts}],
        [{**kind("x"), "templates": [
            {"id": "choice", "front": "In {paper}, how many {thing}?", "answer": "answer",
             "choices": 4}]}],
    )  # fmt: skip
    messages = [p.message for p in validate(root, quality=True).problems]
    assert len(messages) == 1
    assert messages[0].startswith("card p0/a/choice mixes options of different shapes (")
    assert messages[0].endswith(
        "): a student can rule some out by their look; add 'distractors:' or 'agree:'"
    )


def test_a_question_that_names_no_paper(tmp_path: Path) -> None:
    assert warnings(tmp_path, [item("a", "Muesli")], "Which {category} is {thing}?") == [
        'card p0/a/ask does not say which paper it is about: name it with {paper} ("Author0 '
        'et al. (2000)") in the template, or mark the kind standalone'
    ]


def test_naming_the_paper_by_placeholder_title_or_author_and_year(tmp_path: Path) -> None:
    for n, front in enumerate(
        (
            "In {paper}, which {category} is {thing}?",
            "In '{title}', which {category} is {thing}?",
            "In the {year} paper by Author0, which {category} is {thing}?",
        )
    ):
        assert warnings(tmp_path / str(n), [item("a", "Muesli")], front) == [], front


def test_a_standalone_kind_need_not_name_its_paper(tmp_path: Path) -> None:
    facts = [item("a", "Muesli")]
    assert warnings(tmp_path, facts, "Which {category} is {thing}?", standalone=True) == []


def test_a_source_can_say_how_questions_name_it(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        [{"facts": [item("a", "Muesli")], "paper": "the Gemini report"}],
        [kind("In {paper}, which {category} is {thing}?")],
    )
    report = validate(root, quality=True)
    assert report.problems == []
    assert report.cards[0].front == "In the Gemini report, which model is thing a?"


def test_a_count_in_the_question_that_disagrees_with_the_list() -> None:
    assert stated_count("In X, what are the two sub-tasks?") == 2
    assert stated_count("the tasks of both the ILSVRC and COCO competitions") is None
    assert stated_count("In X, what are its 3 parts?") == 3
    assert stated_count("In X (2021), what are the parts?") is None


def test_the_two_with_three_items(tmp_path: Path) -> None:
    facts = [{**item("a", "x", items=["deep", "careful reasoning", "generalization"]),
              "thing": "the two things thought necessary"}]  # fmt: skip
    assert warnings(tmp_path, facts, "In {paper}, what are {thing}?", answer="items") == [
        "card p0/a/ask says 2 items but its answer has 3: deep, careful reasoning and "
        "generalization"
    ]


def test_two_facts_whose_questions_read_the_same(tmp_path: Path) -> None:
    facts = [{**item("a", "Alpha"), "thing": "the best"},
             {**item("b", "Beta"), "thing": "The best!"}]  # fmt: skip
    assert warnings(tmp_path, facts, "In {paper}, which {category} is {thing}?") == [
        'card p0/b/ask asks the same question as p0/a/ask of another fact ("In Author0 et al. '
        '(2000), which model is The best!?"): a student cannot tell which answer is wanted'
    ]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_prints_warnings_and_exits_0_unless_strict(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", [{"facts": [item("a", "Muesli")]}], [kind("Who {thing}?")])
    code, out, err = run("check", str(root))
    assert code == 0 and out == ""
    lines = err.splitlines()
    assert lines[0].endswith(
        ": warning: card p0/a/ask does not say which paper it is about: name it with {paper} "
        '("Author0 et al. (2000)") in the template, or mark the kind standalone'
    )
    assert lines[1] == "1 warning (1 sources, 1 facts, 1 cards)"
    assert run("check", str(root), "--strict")[0] == 1
    code, out, _ = run("check", str(root), "--strict", "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert (data["errors"], data["warnings"]) == (0, 1)
    assert data["problems"][0]["severity"] == "warning"


def test_warnings_do_not_stop_a_build(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", [{"facts": [item("a", "Muesli")]}], [kind("Who {thing}?")])
    code, _, err = run("build", str(root), "-o", str(tmp_path / "out.apkg"))
    assert code == 0, err
    assert (tmp_path / "out.apkg").exists()


def test_a_short_name_that_gives_the_answer_away(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        [{"facts": [item("a", "Muesli")], "short": "Muesli"}],
        [kind("In {paper}, which {category} is {thing}?")],
    )
    assert [p.message for p in validate(root, quality=True).problems] == [
        'card p0/a/ask gives its answer away: the paper\'s short name "Muesli" heads its Anki '
        "deck and handout section; set a neutral 'short:' in the source, like \"Author0 et al. "
        '(2000)"'
    ]


def test_papers_are_named_author_year() -> None:
    from quizgen.model import cite_as

    assert cite_as("Matteo Hessel, Ivo Danihelka, et al.", 2021) == "Hessel et al. (2021)"
    assert cite_as("Diederik P. Kingma, Jimmy Ba", 2014) == "Kingma and Ba (2014)"
    assert cite_as("Karen Ullrich, Fabio Viola, Danilo Jimenez Rezende", 2020) == (
        "Ullrich et al. (2020)"
    )
    assert cite_as("Gemini Team, Google", 2023) == "Gemini Team (2023)"
    assert cite_as("Ada Lovelace", 1843) == "Lovelace (1843)"


def test_two_papers_named_alike_get_letters(tmp_path: Path) -> None:
    same = {"authors": "Ann Hessel, Bo Cee, Cy Dee", "year": 2021}
    root = write_project(
        tmp_path / "p",
        [{"facts": [item("a", "Muesli")], **same}, {"facts": [item("b", "Podracer")], **same}],
        [kind("In {paper}, which {category} is {thing}?")],
    )
    report = validate(root, quality=True)
    assert [c.front for c in report.cards] == [
        "In Hessel et al. (2021a), which model is thing a?",
        "In Hessel et al. (2021b), which model is thing b?",
    ]


def test_two_papers_the_user_named_alike_are_an_error(tmp_path: Path) -> None:
    same = {"paper": "the Hessel paper"}
    root = write_project(
        tmp_path / "p",
        [{"facts": [item("a", "Muesli")], **same}, {"facts": [item("b", "Podracer")], **same}],
        [kind("In {paper}, which {category} is {thing}?")],
    )
    assert [p.message for p in validate(root).problems] == [
        "source 'p1' is named \"the Hessel paper\" in questions, as 'p0' is: change 'paper:' "
        "in one of them"
    ]


def choice_kind(answer: str = "answer") -> dict[str, Any]:
    return {**kind("x"), "templates": [
        {"id": "choice", "front": "In {paper}, which is {thing}?", "answer": answer,
         "choices": 4}]}  # fmt: skip


def choice_warnings(tmp_path: Path, facts: list[dict[str, Any]], **source: Any) -> list[str]:
    answer = "items" if "items" in facts[0] else "answer"
    root = write_project(tmp_path / "p", [{"facts": facts, **source}], [choice_kind(answer)])
    return [p.message for p in validate(root, quality=True).problems]


def test_an_answer_named_after_the_paper_the_question_names(tmp_path: Path) -> None:
    facts = [item("a", "Gemini 1.5 Pro", distractors={"answer": ["PaLM 2", "GPT-4", "Claude"]})]
    assert choice_warnings(tmp_path, facts, paper="the Gemini 1.5 report", short="Gemini 1.5") == [
        'card p0/a/choice gives its answer away: "Gemini 1.5 Pro" is named after the paper the '
        'question names ("Gemini 1.5"); ask about something else'
    ]


def test_a_list_answer_found_by_counting_items(tmp_path: Path) -> None:
    wrong = [["image", "audio", "code"], ["image", "video", "tables"], ["audio", "video", "3D"]]
    facts = [item("a", "x", items=["image", "audio", "video"], distractors={"items": wrong})]
    assert choice_warnings(tmp_path, facts) == [
        "card p0/a/choice can be answered by counting: each item of the answer appears in more "
        "options than any wrong item; balance the distractors' items"
    ]
    balanced = [["image", "code", "3D"], ["audio", "code", "tables"], ["video", "3D", "tables"]]
    facts = [item("a", "x", items=["image", "audio", "video"], distractors={"items": balanced})]
    assert choice_warnings(tmp_path / "b", facts) == []


def test_a_phrase_answer_that_is_the_longest_option_by_far(tmp_path: Path) -> None:
    long = "regularized policy optimization with model learning as an auxiliary loss"
    short = [
        "value iteration over a learned model",
        "deep search with a learned model",
        "random play with a value function",
    ]
    facts = [item("a", long, distractors={"answer": short})]
    assert choice_warnings(tmp_path, facts) == [
        "card p0/a/choice has the answer as its longest option by far: a test-wise student "
        "picks it; write distractors as long as the answer"
    ]
    # Names of different lengths are not a cue.
    names = ["Dopamine", "Sonnet", "Keras"]
    assert (
        choice_warnings(tmp_path / "b", [item("a", "TF-Replicator", distractors={"answer": names})])
        == []
    )
