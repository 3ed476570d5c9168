"""Building the pseudonym table from the corpus, and checking what an export would carry.

:func:`candidates` proposes names (:mod:`qualcode.analysis.name_candidates`) from the
documents' texts, names, attribute values and speaker labels, leaving out names the
table already covers and those the researcher rejected. :func:`accept` adds one to the
table (with the replacement given or a generated one: "skola A", "person 1");
:func:`reject` remembers a rejection (the ``pseudonym_rejections`` setting, and a
``pseudonym.rejected`` event) so it is not proposed again.

:func:`check` renders what an export would carry and lists what is left: table entries
still found in it (inside a longer word, say) and new candidates.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

from qualcode.analysis.lemmas import DEFAULT_METHOD
from qualcode.analysis.name_candidates import DEFAULT_REPLACEMENT, Candidate, find_candidates
from qualcode.core.pseudonyms import Pseudonym, Renderer, form_key
from qualcode.services import pseudonyms
from qualcode.services.coders import optional_coder_id
from qualcode.services.pseudonyms import PseudonymError, make_entry
from qualcode.storage.store import Store

REJECTIONS = "pseudonym_rejections"
KNOWN_WORDS_METHOD = "simplemma+spacy"  # tables only: the compound rule would "know" Björkskolan


def _known(language: str, method: str = KNOWN_WORDS_METHOD):  # type: ignore[no-untyped-def]
    from qualcode.services.lemmas import lemmatizer

    if language not in ("sv", "en"):
        raise PseudonymError(f"No lexicon for language '{language}'.", "Use --lang sv or --lang en.")
    table = lemmatizer(language, method)

    def known(words: set[str]) -> set[str]:
        found = table.lookup(words)
        return {w for w in words if found.get(w) is not None}

    return known


def _rejected_in(uow) -> list[str]:  # type: ignore[no-untyped-def]
    return list(json.loads(uow.settings.get(REJECTIONS) or "[]"))


def rejections(store: Store) -> list[str]:
    with store.unit_of_work() as uow:
        return _rejected_in(uow)


def corpus_texts(store: Store, language: str | None = None) -> tuple[list[tuple[str, str]], list[str], str]:
    """(name, text) pairs of every document (and its name and attribute values as texts
    of their own), the speaker labels that are not their speaker's role, and the
    language to judge words in."""
    with store.unit_of_work() as uow:
        summaries = uow.documents.list()
        languages = [d.language for d in summaries if d.language]
        chosen = language or (max(set(languages), key=languages.count) if languages else "sv")
        texts: list[tuple[str, str]] = []
        labels: set[str] = set()
        for summary in summaries:
            if language and summary.language and summary.language != language:
                continue
            document = uow.documents.get(summary.id)
            assert document is not None
            texts.append((document.name, document.text))
            texts.append((document.name, "\n".join([document.name, *map(str, document.attributes.values())])))
            for speaker in uow.documents.speakers(summary.id):
                role = form_key(str(speaker.attributes.get("role", "")))
                if not role or not form_key(speaker.label).startswith(role):  # "Rektor" with role rektor: no name
                    labels.add(speaker.label)
    return texts, sorted(labels), chosen


def candidates(store: Store, *, language: str | None = None) -> list[Candidate]:
    """Proposed entries, most frequent first, without those the table covers or the
    researcher rejected."""
    texts, labels, chosen = corpus_texts(store, language)
    covered = {form_key(f) for e in pseudonyms.entries(store) for f in e.all_forms()}
    return find_candidates(texts, known=_known(chosen), known_roles=_known(chosen, DEFAULT_METHOD), speakers=labels,
                           skip=covered | set(rejections(store)))


def default_replacement(candidate: Candidate, taken: Iterable[str]) -> str:
    """The next free generated replacement for its category: letters for schools and
    places ("skola A", "kommun B"), numbers for the rest ("person 1")."""
    word = "kommun" if candidate.kind == "municipality" else DEFAULT_REPLACEMENT[candidate.category]
    used = {t.lower() for t in taken}
    letters = candidate.category in ("school", "place")
    marks = list(string.ascii_uppercase) + [f"A{n}" for n in range(1, 1000)] if letters else map(str, range(1, 10_000))
    for mark in marks:
        if f"{word} {mark}".lower() not in used:
            return f"{word} {mark}"
    raise PseudonymError(f"No free replacement left for '{candidate.text}'.", "Give one yourself.")


def suggested_replacement(candidate: Candidate, existing: list[Pseudonym]) -> str:
    """The replacement offered for a candidate: a municipality's name and "X kommun"
    share one ("Sjövik", "Sjöviks kommun": both "kommun A"), others get the next free one."""
    if candidate.kind == "municipality":
        key = form_key(candidate.text)
        for e in existing:
            other = form_key(e.original)
            if e.category == "place" and (other.startswith(key) or key.startswith(other)):
                return e.replacement
    return default_replacement(candidate, [e.replacement for e in existing])


def accept(store: Store, candidate: Candidate, replacement: str | None = None, *, category: str | None = None,
           coder: str | None = None) -> Pseudonym:
    """Add a candidate to the table with the forms seen in the corpus, under the
    replacement given or :func:`suggested_replacement`."""
    replacement = replacement or suggested_replacement(candidate, pseudonyms.entries(store))
    entry = make_entry(candidate.text, replacement, category or candidate.category, sorted(candidate.forms))
    pseudonyms.add(store, entry, coder=coder)
    return entry


def reject(store: Store, texts: Iterable[str], *, coder: str | None = None) -> list[str]:
    """Remember candidates as not names, so they are not proposed again; those newly remembered.
    A blank text is refused: it names no candidate, and dropping it would read as done."""
    texts = list(texts)
    if not texts or any(not t.strip() for t in texts):
        raise PseudonymError("A candidate to reject cannot be blank.",
                             "Give the candidate as 'qualcode pseudonyms candidates' shows it, e.g. Bergby.")
    with store.unit_of_work() as uow:
        kept = _rejected_in(uow)
        new = [key for key in dict.fromkeys(form_key(t) for t in texts) if key not in kept]
        if new:
            uow.settings.set(REJECTIONS, json.dumps(kept + new, ensure_ascii=False))
            uow.events.append("pseudonym.rejected", {"candidates": new}, optional_coder_id(uow, coder))
    return new


# ------------------------------------------------------------------ check


@dataclass(frozen=True)
class Leftover:
    """Something an export would still carry: a table entry found in it, or a candidate."""

    text: str
    kind: str  # "table" or a candidate's kind
    count: int
    context: str
    where: str


def leftovers(compiled: Renderer, texts: list[tuple[str, str]], *, language: str, speakers: Iterable[str] = (),
              skip: Iterable[str] = ()) -> list[Leftover]:
    """What is left in rendered ``texts``: table originals anywhere in them (any case,
    even inside a longer word), then new candidates."""
    found: list[Leftover] = []
    for entry in compiled.entries:
        pattern = re.compile(re.escape(entry.original).replace(r"\ ", r"\s+"), re.IGNORECASE)
        hits = [(where, text, m) for where, text in texts for m in pattern.finditer(text)]
        if hits:
            where, text, m = hits[0]
            context = text[max(0, m.start() - 50):m.end() + 50].replace("\n", " ")
            found.append(Leftover(entry.original, "table", len(hits), context, where))
    covered = {form_key(f) for e in compiled.entries for f in e.all_forms()}
    replacements = {form_key(e.replacement) for e in compiled.entries}
    for c in find_candidates(texts, known=_known(language), known_roles=_known(language, DEFAULT_METHOD),
                             speakers=speakers, skip=covered | set(skip)):
        if form_key(c.text) in replacements or any(form_key(c.text) in r.split() for r in replacements):
            continue  # the pseudonyms themselves ("Rektor 2", "skola A")
        found.append(Leftover(c.text, c.kind, c.count, c.context, c.document))
    return found


def check(store: Store, *, codebook: str | None = None, codes: list[str] | None = None,
          coders: list[str] | None = None, attributes: dict[str, list[str]] | None = None,
          documents: list[str] | None = None, corpus: bool = False,
          language: str | None = None) -> list[Leftover]:
    """What a pseudonymised export of this selection would still carry: the quotes (and
    their documents' names, speakers and attributes), or with ``corpus`` every document
    whole, as a .qdpx carries them."""
    from qualcode.services import export

    compiled = pseudonyms.renderer(store)
    texts, labels, chosen = corpus_texts(store, language)
    if corpus:
        rendered = [(compiled.render(name), compiled.render(text)) for name, text in texts]
    else:
        found = export.quotes(store, codebook=codebook, codes=codes, coders=coders, attributes=attributes,
                              documents=documents, pseudonymise=bool(compiled) or False)
        rendered = [(q.passage.document_name, "\n".join(
            [q.passage.text, q.attribution, q.passage.document_name, q.passage.speaker or "",
             *map(str, q.passage.attributes.values())])) for q in found]
    speakers = [compiled.render(label) for label in labels]
    return leftovers(compiled, rendered, language=chosen, speakers=speakers, skip=rejections(store))
