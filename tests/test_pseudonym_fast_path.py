"""The fast renderer (an automaton of where names begin, texts rendered many at a time)
gives byte for byte what the straightforward rendering gives: one alternation of every
form, longest first, matched on word boundaries over each text in lower case."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.core.model import CodedPassage
from qualcode.core.pseudonyms import CHUNK, SEPARATOR, Pseudonym, Renderer
from qualcode.services.pseudonyms import render_passage, render_passages

# overlapping names (one inside another, a name a form of a longer one), several words,
# punctuation inside a name and before it, Swedish letters, genitives
TABLE = [Pseudonym("Anna", "Rektor 2", "person"), Pseudonym("Anna Berg", "Rektor 1", "person", ("Berg",)),
         Pseudonym("Björkskolan", "skola A", "school", ("Björkskolorna",)),
         Pseudonym("Björk", "kommun Y", "place"), Pseudonym("Sjöviks kommun", "kommun X", "place"),
         Pseudonym("Sjövik", "ort X", "place"), Pseudonym("S:t Eriks skola", "skola E", "school"),
         Pseudonym("Ek", "person 3", "person"), Pseudonym("Ekdal", "person 4", "person"),
         Pseudonym("Åsa Öberg", "person 5", "person"), Pseudonym("Ängby", "ort Z", "place"),
         Pseudonym("#Ek-gruppen", "grupp 1", "organisation"), Pseudonym("Ek-gruppen 2", "grupp 2", "organisation")]

PIECES = ["Anna", "anna", "ANNA", "Annas", "Anna Berg", "Anna  Berg", "Anna\nBerg", "Berg", "Bergs",
          "Björkskolan", "Björkskolans", "BJÖRKSKOLANS", "björkskolorna", "Björk", "Björks", "Sjöviks kommun",
          "Sjöviks\tkommun", "Sjöviks\xa0kommun", "Sjövik", "S:t Eriks skola", "s:t eriks skolas", "Ek",
          "ek", "Eks", "Ekdal", "Ekdals", "Åsa Öberg", "ÅSA ÖBERG", "Ängby", "ängbys",
          "#Ek-gruppen", "ek-gruppens", "Ek-gruppen 2", "#", "gruppen", " 2",
          " ", " ", " ", "\n", "\t", ".", ",", ":", "-", "(", ")", "'", '"', "_", "x", "s", "lena", "9",
          "é", "ß", "\u201d", "\u2013", "\u00bb", "İ", "ǅ", "ﬀ", SEPARATOR]

words = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def straightforward(renderer: Renderer, text: str) -> str:
    """One alternation of every form, longest first, over the text in lower case."""
    forms = sorted(renderer.forms(), key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(r"\s+".join(map(re.escape, form.split(" "))) for form in forms)
                         + r")(?!\w)")
    lowered = text.lower()
    assert len(lowered) == len(text)
    return "".join(_pieces(renderer, pattern, text, lowered))


def _pieces(renderer: Renderer, pattern: re.Pattern[str], text: str, lowered: str):  # type: ignore[no-untyped-def]
    last = 0
    for match in pattern.finditer(lowered):
        yield text[last:match.start()]
        yield renderer.replacement_for(text[match.start():match.end()])
        last = match.end()
    yield text[last:]


RENDERER = Renderer(TABLE)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words)
def test_one_text_renders_as_the_straightforward_way_does(text: str) -> None:
    if len(text.lower()) != len(text):  # the any-case pattern's texts: compared below, with render_many
        return
    assert RENDERER.render(text) == straightforward(RENDERER, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(words, max_size=12))
def test_many_texts_render_as_each_alone(texts: list[str]) -> None:
    """Names at the edges of texts, empty texts, the joining character inside a text, a
    letter whose lower case is longer: rendered together as each is alone."""
    alone = [RENDERER.render(text) for text in texts]
    assert RENDERER.render_many(texts) == alone
    assert [t == a for t, a in zip(texts, alone, strict=True)] == [
        t is r for t, r in zip(texts, RENDERER.render_many(texts), strict=True)]  # unchanged: the same string


def _passage(number: int, text: str, document: str, speaker: str | None, school: str) -> CodedPassage:
    return CodedPassage(number, 1, document, 1, "lc.loose", "Loose coupling", "anna", 0, len(text), text,
                        "manual", speaker, {"school": school, "role": "rektor"}, before=text[:5], after="")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(words, st.sampled_from(["intervju", "Björkskolan 3", "Anna"]),
                          st.sampled_from([None, "Anna Berg", "Rektor"]),
                          st.sampled_from(["Sjövik", "skola 1", ""])), max_size=10))
def test_passages_render_field_by_field_as_one_by_one(rows: list[tuple[str, str, str | None, str]]) -> None:
    passages = [_passage(n, *row) for n, row in enumerate(rows)]
    together = render_passages(RENDERER, passages)
    assert together == [render_passage(RENDERER, p) for p in passages]
    for before, after in zip(passages, together, strict=True):
        assert (after is before) == (render_passage(RENDERER, before) is before)


@pytest.mark.parametrize(("texts", "expected"), [
    (["Anna", "Anna"], ["Rektor 2", "Rektor 2"]),
    (["Anna Berg", "Berg Anna"], ["Rektor 1", "Rektor 1 Rektor 2"]),
    (["xAnna", "Annax", "Anna_", "_Anna"], ["xAnna", "Annax", "Anna_", "_Anna"]),
    (["Björkskolans elever", "BJÖRKSKOLAN.", "björkskolorna"], ["skola A:s elever", "SKOLA A.", "skola A"]),
    (["Sjöviks\nkommun", "i Sjöviks kommuns skolor"], ["kommun X", "i kommun X:s skolor"]),
    (["Åsa Öbergs", "Ängby\u201d", "\u201cÄngby"], ["person 5:s", "ort Z\u201d", "\u201cort Z"]),
    (["S:t Eriks skola", "S:t Eriks skolan"], ["skola E", "S:t Eriks skolan"]),
    (["", "Ek Ekdal Eks", ""], ["", "person 3 person 4 person 3:s", ""]),
    (["Anna" + SEPARATOR + "Berg", "Anna"], ["Rektor 2" + SEPARATOR + "Rektor 1", "Rektor 2"]),
    (["İ Anna", "Anna"], ["İ Rektor 2", "Rektor 2"]),
])
def test_edges_and_cases(texts: list[str], expected: list[str]) -> None:
    assert RENDERER.render_many(texts) == expected
    assert [RENDERER.render(t) for t in texts] == expected


def test_an_export_larger_than_a_chunk_renders_as_each_text_alone() -> None:
    texts = [f"Anna och Björkskolans {n} elever i Sjöviks kommun, Ekdal" for n in range(3 * CHUNK // 40)]
    texts[5] = "ingen alls"
    done = RENDERER.render_many(texts)
    assert done == [RENDERER.render(t) for t in texts]
    assert done[5] is texts[5] and sum(len(t) for t in texts) > 2 * CHUNK
