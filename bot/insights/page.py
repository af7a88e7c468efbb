"""The clinic page: charts and tables of a Summary, and its CSV export.

Charts are SVG drawn on the server by pygal, inline in the page, with its
tooltip script switched off: the page loads nothing from elsewhere. Every
chart has a table of the same numbers under it for screen readers and for
reading exact values.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from html import escape

import pygal
from pygal.style import Style

from bot.insights.store import Summary
from bot.insights.words import channel_name

CHART_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1d2327",
    foreground_strong="#1d2327",
    foreground_subtle="#5f6b70",
    colors=("#0b5f66", "#8a4b08", "#1a3d8f", "#8a1c12"),
    font_family="system-ui, sans-serif",
    label_font_size=15,
    major_label_font_size=15,
    title_font_size=17,
)
# Drawn at a phone's width with large text: CSS scales a chart to the
# column, up to 640 px on a wide screen; on a 390 px phone its text stays
# at 12 px or more.
CHART_SIZE = {"width": 420, "height": 300}
# Counts are whole numbers: at most this many labels on the count axis.
MAX_COUNT_LABELS = 6
BAR_ROW_HEIGHT = 34
INLINE_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
# A month of days would crowd the axis: at most this many labels.
MAX_DAY_LABELS = 12
CSS = """
body{font-family:system-ui,sans-serif;color:#1d2327;margin:0 auto;max-width:1100px;
padding:16px 24px;line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
form{display:flex;gap:12px;align-items:end;flex-wrap:wrap}
label{display:flex;flex-direction:column;font-weight:600}
input,button{font:inherit;padding:6px 8px}
button{background:#0b5f66;color:#fff;border:0;border-radius:4px;cursor:pointer}
a{color:#1a3d8f}:focus-visible{outline:3px solid #1a3d8f;outline-offset:2px}
.cards{display:flex;gap:16px;flex-wrap:wrap;margin-top:16px}
.card{border:1px solid #b9c9cc;border-radius:6px;padding:12px 16px;min-width:160px}
.card strong{display:block;font-size:1.8rem}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin-top:8px}
th,td{border-bottom:1px solid #b9c9cc;padding:4px 10px;text-align:left;
overflow-wrap:anywhere}
figure{margin:0}.chart svg{width:100%;max-width:640px;height:auto}
@media (max-width:480px){body{padding:12px}th,td{padding:4px 6px}}
details{margin-top:4px}.note{color:#0b5f66;font-weight:600}
"""


def chart(kind: type, title: str, values: dict[str, int]) -> str:
    """An SVG chart of `values` (label -> count), inline, no script."""
    size = dict(CHART_SIZE)
    if kind is pygal.HorizontalBar:
        # One readable row per bar, the largest on top.
        size["height"] = 110 + BAR_ROW_HEIGHT * len(values)
        values = dict(reversed(list(values.items())))
    drawn = kind(
        style=CHART_STYLE,
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        title=title,
        x_label_rotation=30
        if len(values) > 8 and kind is not pygal.HorizontalBar
        else 0,
        show_minor_x_labels=len(values) <= MAX_DAY_LABELS,
        x_labels_major_every=max(len(values) // MAX_DAY_LABELS, 1),
        y_labels=whole_number_ticks(max(values.values(), default=0)),
        value_formatter=lambda value: f"{value:.0f}",
        truncate_label=-1,
        **size,
    )
    drawn.x_labels = [label.replace("_", " ") for label in values]
    drawn.add(title, list(values.values()))
    # pygal writes its tooltip configuration as an inline script even with
    # no script to run it; the page runs no script at all.
    return INLINE_SCRIPT.sub("", str(drawn.render(is_unicode=True)))


def whole_number_ticks(largest: int) -> list[int]:
    """Count-axis labels: whole numbers from 0 past `largest`, 1-2-5 spaced."""
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * magnitude
            if largest <= step * (MAX_COUNT_LABELS - 1):
                top = -(-max(largest, 1) // step) * step
                return list(range(0, top + 1, step))
        magnitude *= 10


def table(
    caption: str, header: tuple[str, ...], rows: Sequence[tuple[object, ...]]
) -> str:
    """An accessible HTML table."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-wrap"><table><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def figure(kind: type, title: str, values: dict[str, int], label: str) -> str:
    """A chart with the table of its numbers under it."""
    if not values:
        return f"<p>No {escape(label.lower())} in these dates.</p>"
    rows = [(key, count) for key, count in values.items()]
    return (
        f'<figure class="chart" aria-label="{escape(title)}">'
        f"{chart(kind, title, values)}"
        f"<details><summary>{escape(title)}: the numbers</summary>"
        f"{table(title, (label, 'Count'), rows)}</details></figure>"
    )


def themes_table(summary: Summary) -> str:
    """The uncovered questions by theme, with whether a note answers them."""
    if not summary.themes:
        return "<p>No questions the guide doesn't cover in these dates.</p>"
    rows = [
        (
            theme.name,
            theme.questions,
            theme.people,
            theme.wording or "(no wording that 3 or more people used)",
            theme.status,
        )
        for theme in summary.themes
    ]
    header = ("Theme", "Questions", "People", "Asked as", "Status")
    return table("Questions the guide doesn't cover, by theme", header, rows)


def render(summary: Summary, clinic: str) -> str:
    """The whole clinic page for a summary."""
    start, end = summary.start.isoformat(), summary.end.isoformat()
    query = f"?start={start}&amp;end={end}"
    cards = "".join(
        f'<div class="card"><strong>{value}</strong>{escape(label)}</div>'
        for label, value in (
            ("conversations", sum(summary.conversations_by_day.values())),
            ("prep sheets made", summary.prep_sheets),
            ("hand-off requests", summary.handoffs),
            ("answered by your notes", summary.answered_by_notes),
        )
    )
    by_day = summary.conversations_by_day
    by_channel = {
        channel_name(channel): count
        for channel, count in summary.conversations_by_channel.items()
    }
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>What people ask: {escape(clinic)}</title><style>{CSS}</style></head>
<body><main>
<h1>What people ask: {escape(clinic)}</h1>
<p>Counts only, from {start} to {end} (UTC days). No message of a red flag,
crisis or personal fact is ever shown; a wording appears only when at least
three people asked it that way, with names, contact details, dates and ages
removed.</p>
<form method="get" action="/clinic">
<label for="start">From
<input id="start" name="start" type="date" value="{start}"></label>
<label for="end">To
<input id="end" name="end" type="date" value="{end}"></label>
<button type="submit">Show</button>
<a href="/clinic/insights.csv{query}">Download CSV</a>
<a href="/clinic/insights.json{query}">Download JSON</a>
</form>
<div class="cards">{cards}</div>
<h2>Conversations per day</h2>
{figure(pygal.Line, "Conversations per day", by_day, "Day")}
<h2>Conversations per channel</h2>
{figure(pygal.Bar, "Conversations per channel", by_channel, "Channel")}
<h2>The guide's topics asked about</h2>
{figure(pygal.HorizontalBar, "Guide topics asked about", summary.topics, "Topic")}
<h2>Questions the guide doesn't cover</h2>
{themes_table(summary)}
<h2>Urgent outcomes</h2>
{figure(pygal.Bar, "Urgent outcomes by kind", summary.urgent, "Kind")}
</main></body></html>
"""


def as_csv(summary: Summary) -> str:
    """The summary as CSV rows: section, key, count (and a theme's details)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "count", "people", "asked_as", "status"])
    for section, values in (
        ("conversations_by_day", summary.conversations_by_day),
        ("conversations_by_channel", summary.conversations_by_channel),
        ("topics", summary.topics),
        ("urgent", summary.urgent),
    ):
        for key, count in values.items():
            writer.writerow([section, key, count, "", "", ""])
    for theme in summary.themes:
        writer.writerow(
            [
                "uncovered_themes",
                theme.name,
                theme.questions,
                theme.people,
                theme.wording or "",
                theme.status,
            ]
        )
    writer.writerow(["prep_sheets", "", summary.prep_sheets, "", "", ""])
    writer.writerow(["handoffs", "", summary.handoffs, "", "", ""])
    return out.getvalue()
