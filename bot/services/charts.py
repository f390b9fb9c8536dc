"""The progress chart: completion by cluster and by task, a PNG readable on a phone."""

from __future__ import annotations

import io
import textwrap

from bot.core.i18n import _, format_percent
from bot.services.progress import ClusterProgress, TaskProgress

# 1080 × 1350 px: the portrait shape a phone shows full width.
FIGURE_INCHES = (7.2, 9.0)
DPI = 150


def progress_chart_png(
    title: str, clusters: list[ClusterProgress], tasks: list[TaskProgress]
) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_INCHES, dpi=DPI)
    # DejaVu Sans ships with matplotlib and has every Vietnamese letter.
    figure.set_layout_engine("constrained")
    top, bottom = figure.subplots(2, 1, height_ratios=[max(len(clusters), 1), max(len(tasks), 1)])
    figure.suptitle(title, fontsize=13, fontweight="bold", fontfamily="DejaVu Sans")
    _bars(
        top,
        [textwrap.shorten(c.name, 32, placeholder="…") for c in clusters],
        [100 * c.rate for c in clusters],
        _("Completion by cluster (%)"),
        "#2e7d32",
    )
    _bars(
        bottom,
        [f"#{t.task_id} " + textwrap.shorten(t.title, 30, placeholder="…") for t in tasks],
        [100 * t.done / t.total if t.total else 0 for t in tasks],
        _("Units that completed each task (%)"),
        "#1565c0",
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    pyplot.close("all")
    return buffer.getvalue()


def _bars(axes: object, labels: list[str], values: list[float], title: str, colour: str) -> None:
    axes.barh(range(len(values)), values, color=colour)  # type: ignore[attr-defined]
    axes.set_yticks(range(len(labels)), labels, fontsize=8)  # type: ignore[attr-defined]
    axes.invert_yaxis()  # type: ignore[attr-defined]
    axes.set_xlim(0, 100)  # type: ignore[attr-defined]
    axes.set_title(title, fontsize=10)  # type: ignore[attr-defined]
    for index, value in enumerate(values):
        axes.text(  # type: ignore[attr-defined]
            min(value + 1, 88),
            index,
            format_percent(value / 100),
            va="center",
            fontsize=8,
        )
