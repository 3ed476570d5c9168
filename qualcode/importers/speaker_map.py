"""Speaker maps: who the labels in transcripts are.

A YAML file gives attributes to speaker labels, for instance::

    speakers:
      Intervjuare: {role: forskare, level: university}
      Rektor: {role: rektor, level: school}

Values are stored as strings. A map that names a label no imported file uses is
refused, because that is nearly always a misspelling that would silently leave a
speaker without its role.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from qualcode.errors import SourceFileError
from qualcode.importers import safe_yaml
from qualcode.importers.decoding import decode_bytes
from qualcode.importers.markdown import attribute_text
from qualcode.importers.reading import read_regular_file
from qualcode.importers.safe_yaml import SafeTextLoader

_SHAPE_HINT = "Write 'speakers:' and under it one 'Label: {role: ..., level: ...}' per speaker."


def load_speaker_map(path: Path) -> dict[str, dict[str, str]]:
    """Label -> attributes, read from a speaker map file."""
    raw = read_regular_file(path, what="speaker map")
    text, _ = decode_bytes(raw, path)
    try:
        loader = SafeTextLoader(text)  # checks the characters: inside the try
    except yaml.YAMLError as exc:
        raise _not_yaml(path, text, exc) from exc
    try:
        root = loader.get_single_node()
        return _speakers(loader, root, path)
    except yaml.YAMLError as exc:
        raise _not_yaml(path, text, exc) from exc
    finally:
        loader.dispose()


def _not_yaml(path: Path | str, text: str, exc: yaml.YAMLError) -> SourceFileError:
    return SourceFileError(f"{path}:{safe_yaml.problem_line(exc, text)}: the speaker map is not "
                           f"valid YAML ({safe_yaml.problem_text(exc)}).", _SHAPE_HINT)


def check_known(speaker_map: dict[str, dict[str, str]], labels_seen: set[str], path: Path | str) -> set[str]:
    """Refuse labels the files never use; return the labels used but not mapped."""
    unknown = sorted(set(speaker_map) - labels_seen)
    if unknown:
        suggestions = []
        for label in unknown:
            close = difflib.get_close_matches(label, sorted(labels_seen), n=1)
            if close:
                suggestions.append(f"'{label}' -> '{close[0]}'?")
        seen = ", ".join(sorted(labels_seen)) or "none"
        hint = "Correct these labels in the map or remove them. "
        hint += f"Did you mean: {'; '.join(suggestions)} " if suggestions else ""
        hint += f"Labels in the files: {seen}."
        raise SourceFileError(
            f"{path}: the speaker map names speakers that no imported file has: {', '.join(unknown)}.",
            hint)
    return set(labels_seen) - set(speaker_map)


def _speakers(loader: SafeTextLoader, root: Node | None, path: Path | str) -> dict[str, dict[str, str]]:
    speakers_node = None
    if isinstance(root, MappingNode):
        for key, value in root.value:
            if isinstance(key, ScalarNode) and key.value == "speakers":
                speakers_node = value
    if speakers_node is None:
        raise SourceFileError(f"{path}:1: the speaker map has no 'speakers:' section.", _SHAPE_HINT)
    if not isinstance(speakers_node, MappingNode):
        raise _shape(path, speakers_node, "'speakers:' must hold one entry per speaker label")
    result: dict[str, dict[str, str]] = {}
    for key, value in speakers_node.value:
        if not isinstance(key, ScalarNode) or not key.value.strip():
            raise _shape(path, key, "a speaker label must be plain text")
        label = " ".join(str(loader.construct_object(key, deep=True)).split())
        if label in result:
            raise _shape(path, key, f"speaker '{label}' appears twice")
        if isinstance(value, ScalarNode) and loader.construct_object(value) is None:
            result[label] = {}
            continue
        if not isinstance(value, MappingNode):
            raise _shape(path, value, f"speaker '{label}' must map to attributes such as role: and level:")
        attributes: dict[str, str] = {}
        for attr_key, attr_value in value.value:
            if isinstance(attr_value, MappingNode):
                raise _shape(path, attr_value, f"attribute '{attr_key.value}' of '{label}' must be a single value")
            constructed = loader.construct_object(attr_value, deep=True)
            if constructed is not None:
                attributes[str(loader.construct_object(attr_key, deep=True))] = attribute_text(constructed)
        result[label] = attributes
    return result


def _shape(path: Path | str, node: Node, problem: str) -> SourceFileError:
    return SourceFileError(f"{path}:{node.start_mark.line + 1}: {problem}.", _SHAPE_HINT)
