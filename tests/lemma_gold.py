"""The hand-written gold lemmas (tests/fixtures/lemmas) and the figures measured on them.

Shared by tests/test_lemma_accuracy.py, which holds the figures as floors, and
tests/bench/bench_lemmas.py, which prints them for every method.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "tests" / "fixtures" / "lemmas"
CORPUS = {"sv": REPO / "corpora" / "sbs-demo", "en": REPO / "corpora" / "english-demo"}
FREQUENT = 1000


@dataclass(frozen=True)
class GoldForm:
    form: str
    lemmas: frozenset[str]  # any of them is right
    kind: str
    head: str | None  # a compound's head


def gold(language: str) -> list[GoldForm]:
    forms = []
    for line in (GOLD / f"gold_{language}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        forms.append(GoldForm(fields[0], frozenset(fields[1].split("|")), fields[2],
                              fields[3] if len(fields) > 3 else None))
    return forms


def corpus_counts(language: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in sorted(CORPUS[language].glob("*.md")):
        counts.update(word.lower() for word in re.findall(r"\w+", path.read_text(encoding="utf-8")))
    return counts


@dataclass(frozen=True)
class Accuracy:
    forms: int
    accuracy: float  # share of gold forms given a right lemma
    frequent_forms: int  # gold forms among the corpus's FREQUENT most frequent
    frequent_weighted: float  # accuracy on those, each weighted by its corpus frequency


def accuracy(language: str, lemma_of: Callable[[list[str]], Mapping[str, str]]) -> Accuracy:
    """``lemma_of`` gets all the gold forms at once and gives a mapping of lemmas; a
    form it has no lemma for counts as its own lemma."""
    forms = gold(language)
    found = lemma_of([g.form for g in forms])
    right = {g.form: (found.get(g.form) or g.form) in g.lemmas for g in forms}
    counts = corpus_counts(language)
    top = {word for word, _ in counts.most_common(FREQUENT)}
    frequent = [g for g in forms if g.form in top]
    weight = sum(counts[g.form] for g in frequent)
    weighted = sum(counts[g.form] for g in frequent if right[g.form]) / weight
    return Accuracy(len(forms), sum(right.values()) / len(forms), len(frequent), weighted)


@dataclass(frozen=True)
class CompoundPrecision:
    compounds: int  # gold compounds
    split: int  # of those, how many the rule split
    right: int  # of those split, how many at the right head with the right lemma
    false_splits: int  # gold words that are not compounds but were split

    @property
    def precision(self) -> float:
        return self.right / self.split if self.split else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.compounds


def compound_precision(split: Callable[[str], tuple[str, str] | None]) -> CompoundPrecision:
    """``split(word)`` gives ``(lemma, head lemma)`` of a word taken as a compound, or
    None; it is asked about every Swedish gold form, known or not."""
    forms = gold("sv")
    compounds = [g for g in forms if g.kind == "comp"]
    done = {g.form: split(g.form) for g in forms}
    split_compounds = [g for g in compounds if done[g.form] is not None]
    right = [g for g in split_compounds if done[g.form][0] in g.lemmas and done[g.form][1] == g.head]  # type: ignore[index]
    # names formed from definite compounds (Hamnskolan) may split: they are not counted
    false = [g for g in forms if g.kind not in ("comp", "name") and done[g.form] is not None]
    return CompoundPrecision(len(compounds), len(split_compounds), len(right), len(false))
