"""Charts of the marts as PNG bytes: the MRR movements of a month as a waterfall, MRR by
location, and occupancy over time. matplotlib's Agg canvas, no pyplot (no global state, no
display); amounts are turned into floats only to be drawn. Each chart is its rows (read
from the warehouse) and a drawing of them, so a caller can keep a drawing for as long as
its rows stay the same."""

import io
from datetime import date
from decimal import Decimal

import duckdb
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

WATERFALL_STEPS = (
    ("new", "new_mrr"),
    ("expansion", "expansion_mrr"),
    ("reactivation", "reactivation_mrr"),
    ("contraction", "contraction_mrr"),
    ("churn", "churned_mrr"),
)
UP, DOWN, TOTAL = "#2e7d32", "#c62828", "#546e7a"


# Fixed margins (fractions of the figure) that fit a chart's axis labels: `tight` (matplotlib's
# `bbox_inches="tight"`) draws the figure twice to measure them, a third of a chart's cost.
# The bottom is each chart's own (`autofmt_xdate` makes room for its slanted dates).
MARGINS = {"left": 0.12, "right": 0.98, "top": 0.9}


def png(figure: Figure, *, tight: bool = False) -> bytes:
    """The figure as PNG bytes; `tight` for a figure whose extent is not known beforehand
    (the MRR report's table)."""
    FigureCanvasAgg(figure)
    if not tight:
        figure.subplots_adjust(**MARGINS)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight" if tight else None)
    return buffer.getvalue()


def _sek(value: float, _pos=None) -> str:
    return f"{value:,.0f}".replace(",", " ")


def report_month(conn: duckdb.DuckDBPyConnection) -> date | None:
    """The latest complete month of `marts.kpis_monthly` (the month before the running one),
    or the only month there is."""
    months = [
        m
        for (m,) in conn.execute(
            "SELECT DISTINCT month FROM marts.kpis_monthly ORDER BY month DESC LIMIT 2"
        ).fetchall()
    ]
    return months[-1] if months else None


def waterfall_steps(conn: duckdb.DuckDBPyConnection, month: date) -> list[tuple[str, Decimal]]:
    """MRR at the start, each movement (signed), MRR at the end, for all locations."""
    cursor = conn.execute(
        "SELECT * FROM marts.kpis_monthly WHERE scope = 'total' AND month = ?", [month]
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        raise ValueError(f"marts.kpis_monthly has no month {month}")
    kpis = dict(zip(names, rows[0], strict=True))
    return [
        ("start", kpis["mrr_at_start"]),
        *((label, kpis[column]) for label, column in WATERFALL_STEPS),
        ("end", kpis["mrr"]),
    ]


def mrr_waterfall(steps: list[tuple[str, Decimal]], month: date) -> bytes:
    figure = Figure(figsize=(9, 4.5))
    draw_waterfall(figure.add_subplot(), steps, month)
    return png(figure)


def draw_waterfall(ax, steps: list[tuple[str, Decimal]], month: date) -> None:
    level = 0.0
    for i, (label, amount) in enumerate(steps):
        value = float(amount)
        if label in ("start", "end"):
            ax.bar(i, value, color=TOTAL)
            level = value
            top = value
        else:
            bottom = level if value >= 0 else level + value
            ax.bar(i, abs(value), bottom=bottom, color=UP if value >= 0 else DOWN)
            level += value
            top = max(level, level - value)
        ax.annotate(_sek(value), (i, top), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(steps)), [label for label, _ in steps], fontsize=8)
    ax.margins(y=0.12)  # room for the labels above the tallest bar
    ax.yaxis.set_major_formatter(_sek)
    ax.set_ylabel("SEK a month")
    ax.set_title(f"MRR movements {month:%B %Y}, all locations", pad=12)


def mrr_by_location_rows(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(month, location name, MRR) per location and month."""
    return conn.execute(
        """
        SELECT k.month, coalesce(l.name, k.location), k.mrr
        FROM marts.kpis_monthly AS k LEFT JOIN staging.locations AS l ON l.id = k.location
        WHERE k.scope = 'location' ORDER BY 2, 1
        """
    ).fetchall()


def mrr_by_location(rows: list[tuple]) -> bytes:
    figure = Figure(figsize=(8, 4.5))
    ax = figure.add_subplot()
    for name in dict.fromkeys(r[1] for r in rows):
        series = [(m, float(v)) for m, n, v in rows if n == name]
        ax.plot([m for m, _ in series], [v for _, v in series], marker="o", ms=3, label=name)
    ax.yaxis.set_major_formatter(_sek)
    ax.set_ylabel("SEK a month")
    ax.set_title("MRR by location")
    if rows:
        ax.legend(fontsize=8)
    figure.autofmt_xdate()
    return png(figure)


def occupancy_rows(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(month, location name, prorated occupancy, start-of-month occupancy) per location."""
    return conn.execute(
        """
        SELECT month, coalesce(any_value(location_name), location),
               sum(desks_occupied_prorated) / nullif(sum(desks_available_prorated), 0),
               sum(desks_occupied_start_of_month)
                   / nullif(sum(desks_available_start_of_month), 0)
        FROM marts.occupancy_monthly GROUP BY month, location ORDER BY 2, 1
        """
    ).fetchall()


def occupancy_over_time(rows: list[tuple]) -> bytes:
    figure = Figure(figsize=(8, 4.5))
    ax = figure.add_subplot()
    for name in dict.fromkeys(r[1] for r in rows):
        series = [(m, p, b) for m, n, p, b in rows if n == name]
        months = [m for m, _, _ in series]
        line = ax.plot(months, [100 * (p or 0) for _, p, _ in series], label=f"{name} prorated")
        ax.plot(
            months,
            [100 * (b or 0) for _, _, b in series],
            linestyle="--",
            color=line[0].get_color(),
            label=f"{name} start of month",
        )
    ax.axhspan(70, 90, color="#e8f5e9", zorder=0)  # the healthy band OfficeRnD cites
    ax.set_ylim(0, 105)
    ax.set_ylabel("desk occupancy, %")
    ax.set_title("Desk occupancy (primary resource types)")
    if rows:
        ax.legend(fontsize=8)
    figure.autofmt_xdate()
    return png(figure)
