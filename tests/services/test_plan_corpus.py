"""The corpus of plans in tests/data/plans/: each document, read as an officer would send it,
gives exactly the tasks (quarter, deadline, year-round, responsible body, title) of its
.expected file.

Documents are kept as reviewable text: `NAME.txt` is sent as it is; `NAME.cp1258.src` and
`NAME.utf16.src` are sent as NAME.txt in Windows-1258 (tones as combining marks, as Vietnamese
keyboards of that code page write them) or UTF-16 with a BOM; `NAME.docx.src` is built into a
Word file (see `build_docx`); `NAME.pdf.src` into a text PDF."""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from bot.services.plan_parser import ParsedPlan, parse_plan_bytes

CORPUS = Path(__file__).resolve().parents[1] / "data" / "plans"
EXPECTED = sorted(CORPUS.glob("*.expected"))
TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as its keyboards write it: the letter (â, ơ, ư...) then the tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        tones = "".join(c for c in parts if c in TONES)
        out += (base + tones).encode("cp1258")
    return bytes(out)


def build_docx(source: str) -> bytes:
    """A Word file from a small text form: `| a | b |` lines make a table (one row a line),
    `[list] text` a bulleted list paragraph (the bullet is Word's, not in the text), `[b] text`
    a bold paragraph, anything else a plain paragraph."""
    document = Document()
    table_rows: list[list[str]] = []

    def flush() -> None:
        if not table_rows:
            return
        table = document.add_table(rows=len(table_rows), cols=len(table_rows[0]))
        for r, row in enumerate(table_rows):
            for c, text in enumerate(row):
                table.cell(r, c).text = text
        table_rows.clear()

    for line in source.splitlines():
        if line.startswith("|"):
            table_rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        flush()
        if line.startswith("[list] "):
            document.add_paragraph(line[len("[list] ") :], style="List Bullet")
        elif line.startswith("[num] "):
            document.add_paragraph(line[len("[num] ") :], style="List Number")
        elif line.startswith("[b] "):
            document.add_paragraph().add_run(line[len("[b] ") :]).bold = True
        else:
            document.add_paragraph(line)
    flush()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def build_pdf(source: str) -> bytes:
    """A text PDF (TrueType font embedded, so the text can be extracted) of the lines."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    matplotlib.rcParams["pdf.fonttype"] = 42
    lines = source.splitlines()
    out = io.BytesIO()
    with PdfPages(out) as pdf:
        for start in range(0, len(lines), 45):
            figure = Figure(figsize=(8.27, 11.69))
            for offset, line in enumerate(lines[start : start + 45]):
                figure.text(0.05, 0.96 - offset * 0.021, line or " ", fontsize=7)
            pdf.savefig(figure)
    return out.getvalue()


def document_bytes(path: Path) -> tuple[bytes, str]:
    """(the file's bytes, the name it is sent under) for a corpus document."""
    name = path.name
    if name.endswith(".cp1258.src"):
        return to_cp1258(path.read_text(encoding="utf-8")), name.replace(".cp1258.src", ".txt")
    if name.endswith(".utf16.src"):
        return path.read_text(encoding="utf-8").encode("utf-16"), name.replace(
            ".utf16.src", ".txt"
        )
    if name.endswith(".docx.src"):
        return build_docx(path.read_text(encoding="utf-8")), name.removesuffix(".src")
    if name.endswith(".pdf.src"):
        return build_pdf(path.read_text(encoding="utf-8")), name.removesuffix(".src")
    return path.read_bytes(), name


def document_for(expected: Path) -> Path:
    stem = expected.name.removesuffix(".expected")
    (document,) = [p for p in CORPUS.iterdir() if p.name.startswith(stem + ".") and p != expected]
    return document


def task_lines(plan: ParsedPlan) -> list[str]:
    return [
        " | ".join(
            [
                f"Q{task.quarter}",
                task.deadline.strftime("%d/%m/%Y"),
                "year-round" if task.year_round else "-",
                task.responsible or "-",
                task.title,
            ]
        )
        for task in plan.tasks
    ]


def test_the_corpus_has_every_shape() -> None:
    documents = [document_for(expected).name for expected in EXPECTED]
    assert len(documents) >= 10
    for ending in (".txt", ".cp1258.src", ".utf16.src", ".docx.src", ".pdf.src"):
        assert any(name.endswith(ending) for name in documents), ending


@pytest.mark.parametrize("expected", EXPECTED, ids=[p.name.split(".")[0] for p in EXPECTED])
def test_each_plan_gives_exactly_its_expected_tasks(expected: Path) -> None:
    content, name = document_bytes(document_for(expected))
    plan = parse_plan_bytes(content, name)
    lines = expected.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"year: {plan.year}"
    assert task_lines(plan) == [line for line in lines[1:] if line.strip()]
    for task in plan.tasks:
        assert task.deadline.year in (plan.year, plan.year + 1)
        assert task.title == unicodedata.normalize("NFC", task.title)
        assert not task.year_round or task.deadline == date(plan.year, 12, 31)
