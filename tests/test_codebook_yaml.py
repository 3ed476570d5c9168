"""The YAML codebook format: shipped codebooks load, and every bad file is explained."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.core.codebook import CodebookSpec
from qualcode.errors import CodebookError
from qualcode.importers.codebook_yaml import load_codebook, parse_codebook

CODEBOOKS = Path(__file__).resolve().parents[1] / "codebooks"
SHIPPED = ["loose-coupling", "organisational-routines", "quality-steering"]
CODE_ID = re.compile(r"\b(?:lc|or|qs)\.[a-z-]*[a-z]")

HEADER = """\
codebook:
  id: test-book
  name: Test book
  version: 2
  languages: [sv, en]
codes:
"""

GOOD_CODE = """\
  - id: a
    label: {en: A, sv: Å}
    definition: The first code.
"""


def problems_of(text: str) -> list[str]:
    """Parse text that must fail and return its problems."""
    with pytest.raises(CodebookError) as caught:
        parse_codebook(textwrap.dedent(text), "book.yaml")
    error = caught.value
    assert error.message == f"Codebook book.yaml has {len(error.problems)} problem{'s' if len(error.problems) != 1 else ''}."
    assert error.hint
    return error.problems


def only_problem(text: str) -> str:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


# ---------------------------------------------------------------- shipped files


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_codebook_loads_complete(name: str) -> None:
    spec = load_codebook(CODEBOOKS / f"{name}.yaml")
    assert spec.slug == name
    assert spec.version == "1.0"
    assert spec.languages == ("sv", "en")
    assert spec.description
    assert len(spec.codes) >= 10
    for code in spec.codes:
        assert code.key.startswith(spec.codes[0].key[:3])
        assert code.label_en and code.label_sv, code.key
        assert code.definition and code.inclusion and code.exclusion, code.key
        assert 1 <= len(code.examples) <= 2, code.key
        assert code.colour, code.key
    colours = [c.colour for c in spec.codes]
    assert len(set(colours)) == len(colours)
    shortcuts = [c.shortcut for c in spec.codes if c.shortcut]
    assert 0 < len(shortcuts) <= 8


def test_shipped_codebooks_match_the_fixed_code_tree() -> None:
    trees = {name: {c.key: c.parent for c in load_codebook(CODEBOOKS / f"{name}.yaml").codes}
             for name in SHIPPED}
    assert trees["loose-coupling"]["lc.tight"] == "lc.forms"
    assert trees["loose-coupling"]["lc.bypassed"] == "lc.dynamics"
    assert trees["loose-coupling"]["lc.school-university"] == "lc.relations"
    assert trees["organisational-routines"]["or.ostensive"] == "or.aspects"
    assert trees["organisational-routines"]["or.process-leader-training"] == "or.routines"
    assert trees["organisational-routines"]["or.routine-friction"] == "or.change"
    assert trees["quality-steering"]["qs.legitimacy-money"] == "qs.legitimacy"
    assert trees["quality-steering"]["qs.normative"] == "qs.steering-modes"
    assert trees["quality-steering"]["qs.equity"] is None
    assert [len(t) for t in trees.values()] == [15, 18, 16]


def test_exclusions_name_codes_that_exist() -> None:
    specs = [load_codebook(CODEBOOKS / f"{name}.yaml") for name in SHIPPED]
    keys = {c.key for spec in specs for c in spec.codes}
    for spec in specs:
        for code in spec.codes:
            named = set(CODE_ID.findall(code.exclusion))
            assert named, f"{code.key}: exclusion names no neighbouring code"
            assert named <= keys, f"{code.key}: {named - keys}"


def test_template_loads_and_shows_every_field() -> None:
    spec = load_codebook(CODEBOOKS / "template.yaml")
    assert spec.slug == "my-codebook"
    first, second = spec.codes
    assert first.colour and first.shortcut and first.inclusion and first.exclusion and first.examples
    assert second.parent == first.key and second.examples
    text = (CODEBOOKS / "template.yaml").read_text(encoding="utf-8")
    for key in ("id:", "name:", "version:", "languages:", "description:", "label:", "en:", "sv:",
                "parent:", "definition:", "inclusion:", "exclusion:", "examples:", "example:",
                "colour:", "shortcut:"):
        assert key in text


# ---------------------------------------------------------------- good input


def test_codes_keep_file_order_and_fields() -> None:
    spec = parse_codebook(HEADER + """\
  - id: child
    parent: root
    label: {en: Child}
    definition: Defined.
    example: Ett exempel.
  - id: root
    label: Root
    definition: >-
      Folded
      text.
    examples: [one, two]
    colour: "#a1b2c3"
    shortcut: r
""", "book.yaml")
    assert isinstance(spec, CodebookSpec)
    assert spec.version == "2"
    assert [c.key for c in spec.codes] == ["child", "root"]
    child, root = spec.codes
    assert child.parent == "root" and child.examples == ("Ett exempel.",) and child.label_sv is None
    assert root.label_en == "Root" and root.definition == "Folded text."
    assert root.examples == ("one", "two") and root.colour == "#A1B2C3" and root.shortcut == "r"
    assert [(d, c.key) for d, c in spec.walk()] == [(0, "root"), (1, "child")]


def test_version_keeps_the_text_as_written() -> None:
    spec = parse_codebook(HEADER.replace("version: 2", "version: 1.10") + GOOD_CODE, "book.yaml")
    assert spec.version == "1.10"


# ---------------------------------------------------------------- one test per problem


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(CodebookError) as caught:
        load_codebook(tmp_path / "missing.yaml")
    assert "missing.yaml: cannot read the codebook file: no such file" in caught.value.problems[0]


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("codebook:\n  id: x\n  name: Skolans kvalitet\n  description: Åtgärd\n".encode("latin-1"))
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    assert caught.value.problems == [f"{path}:4: not UTF-8 text (byte 0xC5)"]
    assert "UTF-8" in (caught.value.hint or "")


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + GOOD_CODE).encode("utf-8"))
    assert load_codebook(path).slug == "test-book"


def test_not_yaml_names_the_line() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "  - id: b\n    label: Lös: koppling\n")
    assert problem.startswith("book.yaml:11: not valid YAML (column 15)")
    assert "mapping values are not allowed here" in problem


def test_unclosed_bracket_names_where_it_began() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "  - id: [unclosed\n")
    assert problem.startswith("book.yaml:11: not valid YAML")
    assert "began on line 10" in problem


def test_control_character_names_the_line() -> None:
    problem = only_problem(HEADER + "  - id: a\x07\n")
    assert problem == "book.yaml:7: not valid YAML: control character U+0007 is not allowed"


def test_empty_file() -> None:
    assert "file is empty" in only_problem("")


def test_wrong_top_level_shape() -> None:
    assert only_problem("- a\n- b\n").startswith("book.yaml:1: the file is a list")
    assert "single value" in only_problem("just text\n")


def test_unknown_top_level_key() -> None:
    problem = only_problem(HEADER.replace("codes:", "cods: []\ncodes:") + GOOD_CODE)
    assert problem.startswith("book.yaml:6: unknown key 'cods'")
    assert "did you mean 'codes'" in problem


def test_codebook_not_a_mapping_and_codes_missing() -> None:
    problems = problems_of("codebook: [a, b]\n")
    assert problems == [
        "book.yaml:1: 'codebook:' must be a mapping with id, name, version, languages, description",
        "book.yaml:1: missing 'codes:' list"]


def test_missing_codebook_id_and_name() -> None:
    problems = problems_of("codebook:\n  version: 1\ncodes:\n" + GOOD_CODE)
    assert problems[0].startswith("book.yaml:2: codebook has no 'id'")
    assert problems[1].startswith("book.yaml:2: codebook has no 'name'")
    assert len(problems) == 2


def test_bad_slug() -> None:
    problem = only_problem(HEADER.replace("test-book", "Test_Book") + GOOD_CODE)
    assert problem.startswith("book.yaml:2: codebook id 'Test_Book' is not a slug")


def test_unknown_language() -> None:
    problem = only_problem(HEADER.replace("[sv, en]", "[sv,\n    de]") + GOOD_CODE)
    assert problem == "book.yaml:6: unknown language 'de'; use sv or en"


def test_codes_empty_or_not_a_list() -> None:
    assert only_problem(HEADER.replace("codes:", "codes: []")).startswith("book.yaml:6: 'codes:' is empty")
    assert "must be a list" in only_problem(HEADER.replace("codes:", "codes: lc.tight"))


def test_code_not_a_mapping() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "  - just a string\n")
    assert problem.startswith("book.yaml:10: each code must be a mapping")


def test_missing_code_id() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "  - label: B\n    definition: d\n")
    assert problem == "book.yaml:10: code has no 'id' (a short stable key such as 'lc.tight')"


def test_duplicate_code_id() -> None:
    problem = only_problem(HEADER + GOOD_CODE + GOOD_CODE)
    assert problem == "book.yaml:10: code id 'a' is already used on line 7"


def test_code_id_with_bad_characters() -> None:
    problem = only_problem(HEADER + GOOD_CODE.replace("id: a", "id: Lös koppling"))
    assert problem.startswith("book.yaml:7: code id 'Lös koppling' has characters that are not allowed")


def test_missing_english_label() -> None:
    problem = only_problem(HEADER + GOOD_CODE.replace("{en: A, sv: Å}", "{sv: Å}"))
    assert problem == "book.yaml:8: code 'a' has no English label (label: en: ...)"


def test_unknown_label_language() -> None:
    problem = only_problem(HEADER + GOOD_CODE.replace("sv: Å", "de: Ä"))
    assert problem.startswith("book.yaml:8: unknown key 'de' in the label of code 'a'")


def test_unknown_parent() -> None:
    problem = only_problem(HEADER + GOOD_CODE + """\
  - id: b
    label: B
    definition: d
    parent: aa
""")
    assert problem == "book.yaml:13: parent 'aa' of code 'b' is not a code in this file (did you mean 'a'?)"


def test_parent_cycle_is_named() -> None:
    problem = only_problem(HEADER + """\
  - id: a
    label: A
    definition: d
    parent: c
  - id: b
    label: B
    definition: d
    parent: a
  - id: c
    label: C
    definition: d
    parent: b
""")
    assert problem.startswith("book.yaml:10: parents form a cycle: a -> c -> b -> a")


def test_code_that_is_its_own_parent() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "    parent: a\n")
    assert problem.startswith("book.yaml:10: parents form a cycle: a -> a")


def test_missing_definition() -> None:
    problem = only_problem(HEADER + "  - id: a\n    label: A\n    inclusion: when\n")
    assert problem == "book.yaml:7: code 'a' has no 'definition' (say what the code means)"


def test_inclusion_exclusion_and_examples_may_be_left_out() -> None:
    code = parse_codebook(HEADER + GOOD_CODE, "book.yaml").codes[0]
    assert (code.inclusion, code.exclusion, code.examples) == ("", "", ())


def test_definition_must_be_text() -> None:
    problem = only_problem(HEADER + GOOD_CODE.replace("The first code.", "[a, b]"))
    assert problem == "book.yaml:9: 'definition' of code 'a' must be text, not a list"


def test_examples_must_be_texts_and_not_both_forms() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "    examples:\n      - ok\n      - {x: 1}\n")
    assert problem == "book.yaml:12: example of code 'a' must be a non-empty text"
    problem = only_problem(HEADER + GOOD_CODE + "    examples: [one]\n    example: two\n")
    assert problem == "book.yaml:11: code 'a' has both 'examples' and 'example'; keep one"


def test_bad_colour() -> None:
    problem = only_problem(HEADER + GOOD_CODE + '    colour: "red"\n')
    assert problem.startswith("book.yaml:10: colour 'red' of code 'a' is not '#RRGGBB'")


def test_unquoted_colour_is_explained() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "    colour: #FF0000\n")
    assert problem.startswith("book.yaml:10: colour of code 'a' is empty; a '#' starts a YAML comment")


def test_shortcut_not_a_single_character() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "    shortcut: ab\n")
    assert problem == "book.yaml:10: shortcut 'ab' of code 'a' must be a single visible character"


@pytest.mark.parametrize("key", ["q", "u", "m", "n", "/", "?", "Q"])
def test_reserved_shortcut(key: str) -> None:
    problem = only_problem(HEADER + GOOD_CODE + f'    shortcut: "{key}"\n')
    assert problem.startswith(f"book.yaml:10: shortcut '{key}' of code 'a' is reserved")


def test_duplicate_shortcuts() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "    shortcut: k\n" + """\
  - id: b
    label: B
    definition: d
    shortcut: k
""")
    assert problem == "book.yaml:14: shortcut 'k' of code 'b' is already used by 'a' on line 10"


def test_unknown_key_in_code_lists_known_keys() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "    defintion: typo\n")
    assert problem.startswith("book.yaml:10: unknown key 'defintion' in a code (did you mean 'definition'?)")
    assert "known keys: id, label, parent, definition, inclusion, exclusion" in problem


def test_repeated_key_in_one_mapping() -> None:
    problem = only_problem(HEADER + GOOD_CODE + "    definition: again\n")
    assert problem == "book.yaml:10: key 'definition' appears twice in this code (first on line 9); keep one"


def test_every_problem_is_collected_in_line_order() -> None:
    problems = problems_of("""\
codebook:
  id: Bad Slug
  name: X
codes:
  - id: a
    label: {sv: A}
    colour: "#12"
  - id: a
    label: A
    definition: d
    shortcut: q
""")
    assert [int(p.split(":")[1]) for p in problems] == [2, 5, 6, 7, 8, 11]


# ---------------------------------------------------------------- robustness


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_raises_only_codebook_error(text: str) -> None:
    try:
        parse_codebook(text, "fuzz.yaml")
    except CodebookError as error:
        assert error.problems
        assert all(p.startswith("fuzz.yaml:") for p in error.problems)


YAML_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
YAML_VALUES = st.recursive(YAML_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=3),
                           max_leaves=8)
CODE_FIELDS = st.dictionaries(
    st.sampled_from(["id", "label", "parent", "definition", "inclusion", "exclusion", "examples",
                     "example", "colour", "shortcut", "extra"]),
    YAML_VALUES | st.sampled_from(["a", "b", "#123456", "q", "k", "lc.tight"]), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=st.dictionaries(st.sampled_from(["id", "name", "version", "languages", "description", "x"]),
                            YAML_VALUES, max_size=6),
       codes=st.lists(CODE_FIELDS, max_size=5) | YAML_VALUES)
def test_arbitrary_structures_raise_only_codebook_error(book: dict, codes: object) -> None:  # type: ignore[type-arg]
    text = yaml.safe_dump({"codebook": book, "codes": codes}, allow_unicode=True)
    try:
        spec = parse_codebook(text, "fuzz.yaml")
    except CodebookError as error:
        assert error.problems
    else:
        assert spec.codes and all(c.definition and c.label_en for c in spec.codes)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_codebook_error(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "book.yaml"
    path.write_bytes(data)
    try:
        load_codebook(path)
    except CodebookError:
        pass


def test_wrong_type_is_reported_once() -> None:
    problems = problems_of("codebook: {id: [], name: {a: 1}}\ncodes:\n  - id: [x]\n    label: {en: [A]}\n    definition: d\n")
    assert problems == [
        "book.yaml:1: 'id' of codebook must be text, not a list",
        "book.yaml:1: 'name' of codebook must be text, not a mapping",
        "book.yaml:3: 'id' of code must be text, not a list",
        "book.yaml:4: 'en' of label of code must be text, not a list",
    ]
