"""Pure renderers from an Investigation (or a Cluster) to HTML, Markdown and figures.

    from holmes_nb.report import investigation_html, postmortem_markdown, export_postmortem
    export_postmortem(inv, "postmortem.md")        # writes postmortem.md (+ postmortem-timeline.png)

Nothing here imports IPython; pandas and matplotlib load inside the functions that need them.
"""

from __future__ import annotations

from holmes_nb.report.html import answer_html, investigation_html, tool_call_html
from holmes_nb.report.postmortem import export_postmortem, postmortem_markdown
from holmes_nb.report.timeline import plot_timeline, timeline_frame

__all__ = [
    "answer_html",
    "export_postmortem",
    "investigation_html",
    "plot_timeline",
    "postmortem_markdown",
    "timeline_frame",
    "tool_call_html",
]
