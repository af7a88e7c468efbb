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

CHART_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1d2327",
    foreground_strong="#1d2327",
    foreground_subtle="#5f6b70",
    colors=("#0b5f66", "#8a4b08", "#1a3d8f", "#8a1c12"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    title_font_size=16,
)
CHART_SIZE = {"width": 760, "height": 320}
BAR_ROW_HEIGHT = 26
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
table{border-collapse:collapse;margin-top:8px}
th,td{border-bottom:1px solid #b9c9cc;padding:4px 10px;text-align:left}
figure{margin:0}.chart svg{max-width:100%;height:auto}
details{margin-top:4px}.note{color:#0b5f66;font-weight:600}
"""


def chart(kind: type, title: str, values: dict[str, int]) -> str:
    """An SVG chart of `values` (label -> count), inline, no script."""
    size = dict(CHART_SIZE)
    if kind is pygal.HorizontalBar:
        # One readable row per bar, the largest on top.
        size["height"] = 80 + BAR_ROW_HEIGHT * len(values)
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
        **size,
    )
    drawn.x_labels = [label.replace("_", " ") for label in values]
    drawn.add(title, list(values.values()))
    # pygal writes its tooltip configuration as an inline script even with
    # no script to run it; the page runs no script at all.
    return INLINE_SCRIPT.sub("", str(drawn.render(is_unicode=True)))


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
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
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
            theme.name.replace("_", " "),
            theme.questions,
            theme.people,
            theme.wording or "(fewer than 3 people asked the same way)",
            f"answered by your notes: {theme.answered_by_note}"
            if theme.answered_by_note
            else "not covered",
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
    by_day, by_channel = summary.conversations_by_day, summary.conversations_by_channel
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
    writer.writerow(
        ["section", "key", "count", "people", "asked_as", "answered_by_note"]
    )
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
                theme.answered_by_note or "",
            ]
        )
    writer.writerow(["prep_sheets", "", summary.prep_sheets, "", "", ""])
    writer.writerow(["handoffs", "", summary.handoffs, "", "", ""])
    return out.getvalue()
