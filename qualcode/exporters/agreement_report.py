"""Agreement reports as CSV, Markdown and DOCX, with a methods paragraph for an article.

Pure writers: each takes an :class:`AgreementReport` and one stream. The table layout
(:func:`table`) is shared with the terminal so every output shows the same figures.
"""

from __future__ import annotations

import csv
from typing import IO

from qualcode.core.agreement import (
    DOMAIN_SUFFIX,
    MAIN_STATISTICS,
    POOLED,
    STATISTIC_LABELS,
    AgreementReport,
    Statistic,
)

CONVENTION_NAMES = {"qualcode": "qualcode's own", "nvivo": "NVivo's", "maxqda": "MAXQDA's",
                    "atlasti": "ATLAS.ti's"}
FIGURES = ("main", "more", "all")  # which columns a table shows

NUMBER_WORDS = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven",
                8: "Eight", 9: "Nine", 10: "Ten"}
ALPHA_FLOOR = 0.667  # Krippendorff (2004, p. 241): lowest value for tentative conclusions


def figure(statistic: Statistic | None, *, percent: bool = False) -> str:
    """A value with its interval, '0.78 [0.71, 0.84]'; 'n/a' when undefined."""
    if statistic is None or statistic.value is None:
        return "n/a"
    if percent or statistic.name.startswith(("percent", "char_agreement", "overlap")):
        text = f"{statistic.value * 100:.1f} %"
    else:
        text = f"{statistic.value:.3f}"
    if statistic.ci is not None:
        low, high = statistic.ci
        text += f" [{low:.2f}, {high:.2f}]"
    return text


def statistic_names(report: AgreementReport, figures: str = "all") -> list[str]:
    """The statistics the report holds, in the order of :data:`STATISTIC_LABELS`: all of
    them, the most-used ones (``figures="main"``, :data:`MAIN_STATISTICS`) or the rest ("more")."""
    names: list[str] = []
    for row in report.rows:
        for statistic in row.statistics:
            if statistic.name not in names:
                names.append(statistic.name)
    if figures == "main":
        names = [n for n in names if n in MAIN_STATISTICS]
    elif figures == "more":
        names = [n for n in names if n not in MAIN_STATISTICS]
    order = list(STATISTIC_LABELS)
    return sorted(names, key=lambda name: order.index(name) if name in order else len(order))


def title(report: AgreementReport) -> str:
    """'Agreement (segment, sample R1, NVivo's convention)': what, which sample, whose rules."""
    parts = [report.unit]
    if report.sample:
        parts.append(f"sample {report.sample}")
    parts.append(f"{CONVENTION_NAMES.get(report.convention, report.convention)} convention")
    return f"Agreement ({', '.join(parts)})"


def row_style(first_cell: str) -> str:
    """How a table row stands out: the pooled row bold, rows of a domain of codes italic."""
    if first_cell == POOLED:
        return "bold"
    return "italic" if first_cell.endswith(DOMAIN_SUFFIX) else ""


def table(report: AgreementReport, figures: str = "all") -> tuple[list[str], list[list[str]]]:
    """Header and rows as text: code, document and coders (when they vary), one column per
    statistic (``figures``: see :func:`statistic_names`), units counted."""
    names = statistic_names(report, figures)
    show_doc = any(row.document for row in report.rows)
    show_coders = len({row.coders for row in report.rows}) > 1
    header = ["Code", *(["Document"] if show_doc else []), *(["Coders"] if show_coders else []),
              *(STATISTIC_LABELS.get(n, n) for n in names), "Units"]
    rows = []
    for row in report.rows:
        cells = [row.code_key]
        if show_doc:
            cells.append(row.document or "all")
        if show_coders:
            cells.append(", ".join(row.coders))
        for name in names:
            cells.append(figure(row.get(name)))
        units = max((s.n_units for s in row.statistics), default=0)
        cells.append(str(units))
        rows.append(cells)
    return header, rows


def undefined_reasons(report: AgreementReport) -> list[str]:
    """One line per distinct reason a figure is 'n/a', naming the statistics and where."""
    labels: dict[tuple[str, str], list[str]] = {}
    for row in report.rows:
        place = row.code_key + (f" in {row.document}" if row.document else "")
        for statistic in row.statistics:
            if statistic.value is None:
                labels.setdefault((statistic.note, place), []).append(statistic.label)
    places: dict[tuple[str, str], list[str]] = {}
    for (note, place), names in labels.items():
        places.setdefault((", ".join(names), note), []).append(place)
    lines = []
    for (names, note), where in places.items():
        shown = ", ".join(dict.fromkeys(where[:6])) + (" ..." if len(where) > 6 else "")
        lines.append(f"n/a = {names}: {note} ({shown})")
    return lines


# ------------------------------------------------------------------- methods


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def methods_paragraph(report: AgreementReport) -> str:
    """One paragraph a supervisor can paste into an article's methods section."""
    n = len(report.coders)
    who = NUMBER_WORDS.get(n, str(n)).capitalize()
    docs = len(report.documents)
    sample = f" (sample '{report.sample}')" if report.sample else ""
    codes = [r for r in report.rows if r.code_key != POOLED and not r.code_key.endswith(DOMAIN_SUFFIX)]
    n_codes = len({r.code_key for r in codes})
    unit_text = {
        "segment": f"with each {report.settings.get('segment_kind', 'sentence')} as the unit and the "
                   "presence or absence of each code as the value",
        "character": "at the level of characters (each character coded or not, per code)",
        "overlap": (f"by coded segments, counting two coders' segments as matching when they overlapped "
                    f"by at least {float(report.settings.get('threshold', '0.9')) * 100:g} %"),
        "unitized": "with the coders' own spans as units (Krippendorff's unitized alpha)",
        "gamma": ("with the coders' own spans as units, aligned per document (Mathet, Widlöcher & "
                  "Métivier's gamma, 2015)"),
    }[report.unit]
    if report.unit == "segment" and report.convention == "nvivo":
        unit_text += ", a unit counting as coded when any character of it was coded"
    if report.unit == "overlap" and report.settings.get("overlap") == "longer":
        unit_text += " of the longer segment"
    convention = CONVENTION_NAMES.get(report.convention, report.convention)
    text = (f"{who} coders ({_join(list(report.coders))}) independently coded {docs} "
            f"document{'s' if docs != 1 else ''}{sample}. Agreement was assessed per code "
            f"({n_codes} code{'s' if n_codes != 1 else ''}) {unit_text}, following {convention} "
            f"conventions ({report.unit} unit, convention '{report.convention}').")
    pooled = report.pooled
    if pooled is not None:
        parts = []
        for statistic in pooled.statistics:
            if statistic.value is None:
                continue
            if statistic.name.startswith(("percent", "char_agreement", "overlap")):
                parts.append(f"{statistic.label.lower()} was {figure(statistic)}")
            else:
                parts.append(f"{statistic.label} = {figure(statistic)}")
        if parts:
            text += f" Pooled over all codes, {_join(parts)}."
        if any(s.ci for s in pooled.statistics):
            text += (f" Intervals are 95 % percentile bootstrap intervals "
                     f"({report.settings.get('resamples', '1000')} resamples of units).")
    alphas = [(r.code_key, r.get("krippendorff_alpha") or r.get("unitized_alpha_2004")) for r in codes]
    defined = [(k, s.value) for k, s in alphas if s is not None and s.value is not None]
    if defined:
        low = min(defined, key=lambda kv: kv[1])
        high = max(defined, key=lambda kv: kv[1])
        weak = sum(1 for _k, v in defined if v < ALPHA_FLOOR)
        text += (f" Per code, alpha ranged from {low[1]:.2f} ({low[0]}) to {high[1]:.2f} ({high[0]}); "
                 f"{weak} of {len(defined)} codes fell below {ALPHA_FLOOR}, the lowest value "
                 "Krippendorff (2004) accepts for tentative conclusions.")
    if report.unit == "unitized":
        text += _family_sentence(report)
    if report.unit == "gamma":
        text += (f" Gamma's expected disorder was estimated from {report.settings.get('gamma_samples', '30')} "
                 f"random continua (seed {report.settings.get('seed', '2024')}); the interval is its 95 % "
                 "interval from their spread.")
    weighted = [r for r in codes if any(s.name.startswith("weight_alpha") for s in r.statistics)]
    if weighted:
        level = report.settings.get("weight_level", "interval")
        text += (f" Coding weights (0-100) were compared with Krippendorff's alpha at the {level} level "
                 f"for {len(weighted)} code{'s' if len(weighted) != 1 else ''}.")
    if report.unit == "character":
        text += " Agreement over all characters is inflated by uncoded text, so agreement over coded characters is also reported."
    return text


def _family_sentence(report: AgreementReport) -> str:
    """The 2016 coefficients of each domain of codes, with cu-alpha's coverage."""
    domains = [r for r in report.rows if r.code_key.endswith(DOMAIN_SUFFIX) and r.document is None]
    if not domains:
        return ""
    parts, skipped = [], 0
    for row in domains:
        u, binary, cu = (row.get(n) for n in ("u_alpha_2016", "binary_u_alpha_2016", "cu_alpha_2016"))
        if u is None or u.value is None:
            skipped += u is not None and u.note.startswith("precondition fails")
            continue
        part = f"{row.code_key.removesuffix(DOMAIN_SUFFIX)}: u-alpha = {figure(u)}, |u-alpha = {figure(binary)}"
        if cu is not None and cu.value is not None:
            part += f", cu-alpha = {figure(cu)} (over {row.extra.get('cu_coverage', 0) * 100:.0f} % of the text)"
        parts.append(part)
    text = ""
    if parts:
        text += (" Codes under a common parent were also treated as one variable of mutually exclusive "
                 f"values (Krippendorff et al., 2016): {'; '.join(parts)}.")
    if skipped:
        text += (f" For {skipped} such group{'s' if skipped != 1 else ''} these coefficients were not "
                 "computed, because a coder's spans of different codes in the group overlapped.")
    return text


# ------------------------------------------------------------------- writers


def write_csv(report: AgreementReport, stream: IO[str]) -> None:
    """One line per row and statistic, with value, interval, unit and note: easy to pivot."""
    writer = csv.writer(stream)
    writer.writerow(["unit", "convention", "code", "label", "document", "coders", "statistic", "value",
                     "ci_low", "ci_high", "units", "unit_counted", "note"])
    for row in report.rows:
        for s in row.statistics:
            writer.writerow([report.unit, report.convention, row.code_key, row.code_label, row.document or "",
                             ";".join(row.coders), s.name, "" if s.value is None else f"{s.value:.6f}",
                             f"{s.ci[0]:.6f}" if s.ci else "", f"{s.ci[1]:.6f}" if s.ci else "",
                             s.n_units, s.unit, s.note])


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def write_markdown(report: AgreementReport, stream: IO[str]) -> None:
    stream.write(f"# Inter-coder {title(report)[0].lower()}{title(report)[1:]}\n\n")
    stream.write(f"Unit: {report.unit_description}\n\n")
    for figures, heading in (("main", ""), ("more", "Expected agreement and further figures")):
        header, rows = table(report, figures)
        if len(header) <= 2 + sum(h in ("Document", "Coders") for h in header):
            continue
        if heading:
            stream.write(f"## {heading}\n\n")
        stream.write("| " + " | ".join(header) + " |\n")
        stream.write("|" + "---|" * len(header) + "\n")
        for cells in rows:
            stream.write("| " + " | ".join(_md_cell(c) for c in cells) + " |\n")
        stream.write("\n")
    for line in [*report.notes, *undefined_reasons(report)]:
        stream.write(f"- {line}\n")
    stream.write("\n## Methods\n\n" + methods_paragraph(report) + "\n")


def write_docx(report: AgreementReport, stream: IO[bytes]) -> None:
    from docx import Document

    document = Document()
    document.add_heading(f"Inter-coder {title(report)[0].lower()}{title(report)[1:]}", level=1)
    document.add_paragraph(f"Unit: {report.unit_description}")
    for figures, heading in (("main", ""), ("more", "Expected agreement and further figures")):
        header, rows = table(report, figures)
        if len(header) <= 2 + sum(h in ("Document", "Coders") for h in header):
            continue
        if heading:
            document.add_heading(heading, level=2)
        grid = document.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, header, strict=True):
            cell.text = text
        for cells in rows:
            for cell, text in zip(grid.add_row().cells, cells, strict=True):
                cell.text = text
    for line in [*report.notes, *undefined_reasons(report)]:
        document.add_paragraph(line, style="List Bullet")
    document.add_heading("Methods", level=2)
    document.add_paragraph(methods_paragraph(report))
    document.save(stream)
