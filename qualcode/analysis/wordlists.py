"""Stop words, spoken-language fillers and lemma corrections, per language.

qualcode's defaults live here; a project changes them through
``services/lemmas.py`` (and ``qualcode lexicon``). Stop words and fillers are for
counting words and for topic terms, never for search: a researcher who searches for
"liksom" wants to find it.

Stop words are spaCy's list for the language plus words it lacks that carry no topic
in interviews ("är" is missing from spaCy's Swedish list, and so are the verbs every
speaker uses); both forms and lemmas are listed, since a word is dropped when either
is a stop word. Not "skola" although "ska" is a form of it: it is the noun school as
well, the word these interviews are about. Fillers are what speakers say while thinking, and the marks
transcribers write for non-speech; a filler of several words ("you know") is dropped
only where its words stand together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

EXTRA_STOP_WORDS = {
    "sv": frozenset({
        "är", "vara", "ha", "bli", "få", "göra", "gjort", "säga", "sa", "sade", "ta", "tar", "tog", "se", "ser",
        "såg", "sett", "gå", "komma", "veta", "vet", "visste", "tro", "tror", "tycka", "tycker", "tyckte", "stå",
        "står", "finnas", "kunna", "ska", "skulle", "vilja", "böra", "måste", "ja", "nej", "nä", "jo", "okej",
        "varje", "per", "egen", "egna", "eget", "hel", "hela", "ganska", "väldigt", "riktigt", "nästan",
        "ungefär", "faktisk", "faktiskt", "egentligen", "absolut", "ärligt", "direkt", "just", "sen", "fast",
        "åt", "igenom", "ihop", "varannan", "lite", "mycket", "sån", "sånt", "såna",
    }),
    "en": frozenset({
        "s", "d", "t", "m", "ve", "ll", "re", "don", "isn", "didn", "wasn", "doesn", "couldn", "hasn", "wouldn",
        "aren", "weren", "yeah", "okay", "ok", "yes", "no", "lot", "bit", "get", "got", "go", "went", "say",
        "said", "think", "thing", "things",
    }),
}

FILLERS = {
    "sv": ("eh", "ehm", "öh", "öhm", "hm", "hmm", "mm", "mhm", "alltså", "asså", "liksom", "ju", "typ", "va",
           "skratt", "suck", "paus"),
    "en": ("um", "uh", "erm", "er", "hmm", "mm", "mhm", "like", "you know", "i mean", "sort of", "kind of",
           "laughter", "laughs", "pause"),
}

# Entries of the lemma tables that are plainly wrong for the words of interviews:
# nouns the tables take for a verb's imperative (stol -> "stola", plan -> "plana"),
# "togs" taken for a form of "toga", the adjective "kluven" for a form of "klyva".
# Found on the demo corpora; a project adds its own with ``qualcode lexicon lemma``.
LEMMA_CORRECTIONS = {
    "sv": {
        "togs": "ta", "kluven": "kluven", "kluvet": "kluven", "kluvna": "kluven", "stol": "stol",
        "maj": "maj", "mars": "mars", "intervju": "intervju", "plan": "plan", "prov": "prov", "spår": "spår",
        "film": "film", "bråk": "bråk", "risk": "risk", "prat": "prat", "text": "text", "träff": "träff",
        "koll": "koll", "lov": "lov", "kul": "kul", "sal": "sal", "start": "start", "upplägg": "upplägg",
        "tillägg": "tillägg", "noll": "noll", "sikt": "sikt", "oro": "oro", "snitt": "snitt", "stil": "stil",
        "synd": "synd", "avslut": "avslut", "belägg": "belägg", "suck": "suck", "gap": "gap", "glapp": "glapp",
        "burk": "burk", "kurs": "kurs", "brist": "brist", "stadiet": "stadium", "cirklar": "cirkel",
        "uppdrag": "uppdrag", "lärande": "lärande", "sak": "sak", "fel": "fel", "hos": "hos", "tog": "ta",
    },
    "en": {},
}


@cache
def spacy_stop_words(language: str) -> frozenset[str]:
    """spaCy's own list, lower-cased (empty for other languages)."""
    if language == "sv":
        from spacy.lang.sv.stop_words import STOP_WORDS
    elif language == "en":
        from spacy.lang.en.stop_words import STOP_WORDS
    else:
        return frozenset()
    return frozenset(word.lower() for word in STOP_WORDS)


def default_stop_words(language: str) -> frozenset[str]:
    return spacy_stop_words(language) | EXTRA_STOP_WORDS.get(language, frozenset())


def default_fillers(language: str) -> frozenset[str]:
    return frozenset(FILLERS.get(language, ()))


@dataclass(frozen=True)
class WordLists:
    """The stop words and fillers in force for one language of one project."""

    language: str
    stop_words: frozenset[str]
    fillers: frozenset[str]  # single words and phrases ("you know")

    @property
    def filler_phrases(self) -> tuple[tuple[str, ...], ...]:
        """Fillers of several words, longest first."""
        return tuple(sorted((tuple(f.split()) for f in self.fillers if " " in f), key=len, reverse=True))

    def without_fillers(self, tokens: Sequence[str]) -> list[str]:
        """Lower-cased ``tokens`` less every filler word and filler phrase."""
        single = {f for f in self.fillers if " " not in f}
        phrases = self.filler_phrases
        out: list[str] = []
        index = 0
        while index < len(tokens):
            for phrase in phrases:
                if tuple(tokens[index:index + len(phrase)]) == phrase:
                    index += len(phrase)
                    break
            else:
                if tokens[index] not in single:
                    out.append(tokens[index])
                index += 1
        return out

    def is_stop(self, word: str, lemma: str | None = None) -> bool:
        return word in self.stop_words or (lemma is not None and lemma in self.stop_words)


def word_lists(language: str, *, added: Iterable[tuple[str, str]] = (),
               removed: Iterable[tuple[str, str]] = ()) -> WordLists:
    """The defaults with a project's changes: ``(kind, word)`` pairs, kind "stop" or "filler"."""
    stop, fillers = set(default_stop_words(language)), set(default_fillers(language))
    lists = {"stop": stop, "filler": fillers}
    for kind, word in added:
        lists[kind].add(word)
    for kind, word in removed:
        lists[kind].discard(word)
    return WordLists(language, frozenset(stop), frozenset(fillers))
