"""YAML from files qualcode did not write: impossible dates, alias bombs, deep nesting.

Each case used to end in a traceback (ValueError, RecursionError) or in minutes of work
and gigabytes of memory; now each is text or a refusal that names the file and line.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from qualcode.core.codebook import MAX_CODE_DEPTH
from qualcode.errors import CodebookError, ExchangeError, SourceFileError
from qualcode.importers import safe_yaml
from qualcode.importers.base import read_source
from qualcode.importers.codebook_yaml import parse_codebook
from qualcode.importers.qdc import read_qdc
from qualcode.importers.qdpx import read_qdpx
from qualcode.importers.speaker_map import load_speaker_map
from tests.test_qdpx import make_qdpx

BODY = "Intervjuare: Hur går det?\n\nRektor: Bra.\n"


def markdown(tmp_path: Path, front: str) -> Path:
    path = tmp_path / "intervju.md"
    path.write_text(f"---\n{front}---\n\n{BODY}", encoding="utf-8")
    return path


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def codebook_text(codes: str, version: str = "1") -> str:
    return ("codebook:\n  id: book\n  name: Book\n  version: " + version + "\n  languages: [en]\n"
            "codes:\n" + codes)


def chain(length: int) -> str:
    return "".join(f"  - id: c{i}\n    label: C {i}\n    definition: Level {i}.\n"
                   + (f"    parent: c{i - 1}\n" if i else "") for i in range(length))


# ----------------------------------------------------------------- dates


@pytest.mark.parametrize("value", ["2025-13-45", "2025-02-30", "2024-03-05", "2024-03-05 10:00:00"])
def test_dates_in_front_matter_stay_as_written(tmp_path: Path, value: str) -> None:
    document = read_source(markdown(tmp_path, f"date: {value}\n"))
    assert document.attributes["date"] == value
    assert document.text == BODY


def test_an_explicit_timestamp_tag_is_text_too(tmp_path: Path) -> None:
    document = read_source(markdown(tmp_path, "date: !!timestamp 2025-13-45\n"))
    assert document.attributes["date"] == "2025-13-45"


def test_a_codebook_version_that_is_no_date_loads() -> None:
    spec = parse_codebook(codebook_text(chain(2), version="2025-13-45"), "book.yaml")
    assert spec.version == "2025-13-45"


def test_a_bad_explicit_value_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match=r"intervju\.md:3: .*cannot read this value"):
        read_source(markdown(tmp_path, "title: ok\ncount: !!int many\n"))


# ----------------------------------------------------------------- aliases and depth


def test_an_alias_bomb_in_front_matter_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError) as caught:
        read_source(markdown(tmp_path, alias_bomb()))
    message = caught.value.message
    assert "intervju.md:" in message and "aliases" in message
    assert int(message.split(":")[1]) >= 2  # a line inside the front matter


def test_an_expanding_value_is_refused_even_with_few_aliases() -> None:
    # 9 levels of 2 aliases each: 18 aliases, 2**9 * 50,000 values once expanded.
    lines = ["a0: &a0 [" + ",".join(["x"] * 50_000) + "]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 10)]
    with pytest.raises(safe_yaml.LimitError, match="expanded"):
        safe_yaml.load("\n".join(lines))


def test_a_few_aliases_are_still_fine() -> None:
    data = safe_yaml.load("base: &b {role: rektor}\nother: *b\n")
    assert data == {"base": {"role": "rektor"}, "other": {"role": "rektor"}}


def test_a_value_containing_itself_is_refused() -> None:
    with pytest.raises(safe_yaml.LimitError, match="contains it"):
        safe_yaml.load("a: &a [1, *a]\n")


def test_deep_nesting_is_refused_before_the_recursion_limit(tmp_path: Path) -> None:
    deep = "x: " + "[" * 3000 + "]" * 3000 + "\n"
    with pytest.raises(SourceFileError, match=r"intervju\.md:2: .*nested more than"):
        read_source(markdown(tmp_path, deep))
    with pytest.raises(CodebookError) as caught:
        parse_codebook("codebook: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "deep.yaml")
    assert "nested more than" in caught.value.problems[0]


def test_nesting_within_the_limit_loads() -> None:
    depth = safe_yaml.MAX_DEPTH - 2
    data = safe_yaml.load("x: " + "[" * depth + "1" + "]" * depth)["x"]
    for _ in range(depth):
        data = data[0]
    assert data == 1


# ----------------------------------------------------------------- speaker maps


def test_a_control_character_in_a_speaker_map_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "speakers.yaml"
    path.write_bytes(b"speakers:\n  Rektor: {role: rektor}\n  Intervjuare\x07: {role: forskare}\n")
    with pytest.raises(SourceFileError, match=r"speakers\.yaml:3: .*control character U\+0007"):
        load_speaker_map(path)


def test_an_alias_bomb_in_a_speaker_map_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "speakers.yaml"
    path.write_text(alias_bomb() + "speakers:\n  Rektor: {role: *a8}\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="aliases"):
        load_speaker_map(path)


# ----------------------------------------------------------------- code trees


def test_a_3000_deep_codebook_is_refused_quickly_with_the_deepest_code() -> None:
    with pytest.raises(CodebookError) as caught:
        parse_codebook(codebook_text(chain(3000)), "deep.yaml")
    problems = caught.value.problems
    assert len(problems) == 1
    assert "code 'c2999' is nested 3000 levels deep" in problems[0]


def test_a_codebook_at_the_depth_limit_loads() -> None:
    spec = parse_codebook(codebook_text(chain(MAX_CODE_DEPTH)), "book.yaml")
    assert len(spec.codes) == MAX_CODE_DEPTH
    with pytest.raises(CodebookError, match="1 problem"):
        parse_codebook(codebook_text(chain(MAX_CODE_DEPTH + 1)), "book.yaml")


def test_cycles_are_still_found_in_long_chains() -> None:
    codes = chain(500).replace("  - id: c0\n    label: C 0\n    definition: Level 0.\n",
                               "  - id: c0\n    label: C 0\n    definition: Level 0.\n    parent: c499\n")
    with pytest.raises(CodebookError) as caught:
        parse_codebook(codebook_text(codes), "cycle.yaml")
    [problem] = caught.value.problems
    assert "parents form a cycle" in problem and "c0 -> c499 -> c498" in problem
    assert problem.endswith("c1 -> c0; one of these codes must have another parent or none")


def nested_codes(depth: int, namespace: str) -> str:
    opening = "".join(f'<Code guid="{uuid.uuid4()}" name="c{i}" isCodable="true">' for i in range(depth))
    return opening + "</Code>" * depth


def test_a_deeply_nested_qdc_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.qdc"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1:0">'
                    f"<Codes>{nested_codes(3000, 'codebook')}</Codes></CodeBook>", encoding="utf-8")
    with pytest.raises(ExchangeError, match=f"nested more than {MAX_CODE_DEPTH} levels"):
        read_qdc(path)


def test_a_deeply_nested_qdpx_is_refused(tmp_path: Path) -> None:
    qde = ('<Project xmlns="urn:QDA-XML:project:1.0" name="p"><CodeBook><Codes>'
           f"{nested_codes(3000, 'project')}</Codes></CodeBook></Project>")
    with pytest.raises(ExchangeError, match=f"nested more than {MAX_CODE_DEPTH} levels"):
        read_qdpx(make_qdpx(tmp_path / "deep.qdpx", qde))


def test_loader_errors_are_yaml_errors() -> None:
    """Callers catch yaml.YAMLError: every refusal of the bounded loader must be one."""
    assert issubclass(safe_yaml.LimitError, yaml.YAMLError)
