"""Report figures (matplotlib, Agg backend, no network): PNG bytes ready to embed as base64.

Colours come from :mod:`annotate.schema` (MQM categories) so charts and legends match the
annotation interface; systems are always drawn in report order (best MQM first)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from annotate.schema import MQM_CATEGORIES, SEVERITIES
from annotate.scoring.metrics import HIGHER_IS_BETTER, METRIC_NAMES

if TYPE_CHECKING:
    from annotate.scoring.evaluate import Evaluation

SEVERITY_COLORS = {"Major": "#c0392b", "Minor": "#f0a202", "Neutral": "#9e9e9e"}
BASELINE_COLOR, OTHER_COLOR, REFERENCE_COLOR = "#1f4e79", "#7fa7cf", "#b0b0b0"
FALLBACK_COLOR = "#bbbbbb"


def pyplot():
    """matplotlib's pyplot on the headless Agg backend, in the reports' style."""
    import matplotlib

    matplotlib.use("Agg")  # headless, no display, no network
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
                         "svg.fonttype": "none", "font.family": "DejaVu Sans"})
    return plt


def png_bytes(fig) -> bytes:
    """``fig`` as PNG bytes (closed afterwards)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    pyplot().close(fig)
    return buffer.getvalue()


def mqm_by_category(evaluation: Evaluation, systems: Sequence[str]) -> bytes | None:
    """Stacked horizontal bars: each system's MQM split by error category (top) and by severity
    (bottom); the shares of a bar add up to the system's MQM."""
    mqm = evaluation.mqm
    if mqm is None or not systems:
        return None
    plt = pyplot()
    used = [c for c in MQM_CATEGORIES if any(k[0] == c.name for s in systems for k in mqm.breakdown.get(s, {}))]
    extra = sorted({k[0] for s in systems for k in mqm.breakdown.get(s, {})} - {c.name for c in used})
    panel = max(1.3, 0.55 + 0.3 * len(systems))
    fig, (ax, ax_sev) = plt.subplots(2, 1, figsize=(10.5, 2 * panel + 0.9), sharex=True,
                                     gridspec_kw={"height_ratios": [1, 1], "hspace": 0.35})
    ys = list(range(len(systems)))[::-1]
    layers = [(c.name, c.color) for c in used] + [(name, FALLBACK_COLOR) for name in extra]
    _stack(ax, systems, ys, layers, lambda s, name: sum(v for (c, _), v in mqm.breakdown.get(s, {}).items() if c == name))
    ax.set_title("MQM by error category (points per segment, lower is better)", loc="left", fontsize=10)
    severities = [(sev.name, SEVERITY_COLORS.get(sev.name, FALLBACK_COLOR)) for sev in SEVERITIES]
    _stack(ax_sev, systems, ys, severities,
           lambda s, name: sum(v for (_, sev), v in mqm.breakdown.get(s, {}).items() if sev == name))
    ax_sev.set_title("MQM by severity", loc="left", fontsize=10)
    ax_sev.set_xlabel("MQM points per segment")
    return png_bytes(fig)


def _stack(ax, systems, ys, layers, value) -> None:
    left = [0.0] * len(systems)
    for name, color in layers:
        values = [value(s, name) for s in systems]
        if any(values):
            ax.barh(ys, values, left=left, color=color, label=name, height=0.7, edgecolor="white", linewidth=0.4)
            left = [a + b for a, b in zip(left, values)]
    for y, total in zip(ys, left):
        ax.text(total, y, f" {total:.2f}", va="center", fontsize=8)
    ax.set_yticks(ys, systems)
    ax.set_xlim(0, max(left + [0.1]) * 1.12)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def metric_scores(evaluation: Evaluation, systems: Sequence[str]) -> bytes | None:
    """One panel per automatic metric: corpus score with its bootstrap 95% CI, baseline darker."""
    rows = [evaluation.row(s) for s in systems if evaluation.row(s).metrics]
    if not rows:
        return None
    plt = pyplot()
    fig, axes = plt.subplots(1, len(METRIC_NAMES), figsize=(11, 0.9 + 0.3 * len(rows)), sharey=True)
    ys = list(range(len(rows)))[::-1]
    for ax, metric in zip(axes, METRIC_NAMES):
        scores = [r.metrics[metric].score for r in rows]
        errors = [r.ci.get(metric) or 0.0 for r in rows]
        colors = [BASELINE_COLOR if r.system == evaluation.baseline else OTHER_COLOR for r in rows]
        # Dots, not bars: the axis is zoomed on the scores, and a bar's length would then mislead.
        ax.errorbar(scores, ys, xerr=errors, fmt="none", ecolor="#555555", elinewidth=1, capsize=3, zorder=2)
        ax.scatter(scores, ys, color=colors, s=36, zorder=3)
        ax.grid(axis="x", alpha=0.3)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        low = min(s - e for s, e in zip(scores, errors))
        high = max(s + e for s, e in zip(scores, errors))
        pad = max((high - low) * 0.15, 0.5)
        ax.set_xlim(max(0.0, low - pad), high + pad)
        arrow = "↑" if HIGHER_IS_BETTER[metric] else "↓"
        ax.set_title(f"{metric} {arrow}")
    axes[0].set_yticks(ys, [r.system for r in rows])
    fig.suptitle("Automatic metrics (dots: corpus score; whiskers: bootstrap 95% CI; dark: baseline)", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig)


def metric_vs_mqm(evaluation: Evaluation, metric: str = "chrF2++") -> bytes | None:
    """System-level scatter of an automatic metric against MQM, one labelled point per system."""
    rows = [r for r in evaluation.systems if r.mqm is not None and metric in r.metrics]
    if len(rows) < 2:
        return None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    xs = [r.metrics[metric].score for r in rows]
    ys = [r.mqm for r in rows]
    ax.scatter(xs, ys, color=OTHER_COLOR, edgecolor=BASELINE_COLOR, zorder=3)
    for row, x, y in zip(rows, xs, ys):
        ax.annotate(row.system, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7)
    ax.invert_yaxis()  # better systems up and to the right
    ax.set_xlabel(f"{metric} (corpus)")
    ax.set_ylabel("MQM per segment (axis inverted: better is up)")
    ax.set_title(f"{metric} vs human MQM, system level")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return png_bytes(fig)
