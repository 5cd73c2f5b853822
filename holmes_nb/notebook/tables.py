"""Wide DataFrames in JupyterLab: each row on one line, the table scrolls sideways.

JupyterLab shows a DataFrame through pandas' HTML table, but its CSS sets ``white-space: normal``
on every cell and squeezes a table wider than the output until the cells wrap (a model list or a
findings table becomes a column of broken words). With the extension loaded, a DataFrame's HTML is
still pandas' own (its truncation, its styles), put in a box that scrolls
(:func:`holmes_nb.report.html.scroll_table`), as the tables of tool calls are.

    register(ipython)     # at %load_ext (pandas is not imported: the formatter waits for a DataFrame)
    unregister(ipython)   # at %unload_ext
"""

from __future__ import annotations

from typing import Any

#: where pandas defines DataFrame: ``pandas`` from pandas 3 on, ``pandas.core.frame`` before
_DATAFRAME = (("pandas", "DataFrame"), ("pandas.core.frame", "DataFrame"))


def frame_html(frame: Any) -> str | None:
    """pandas' HTML for ``frame`` in the scrolling box (None when pandas gives no HTML)."""
    from holmes_nb.report.html import scroll_table

    table = frame._repr_html_()
    return None if table is None else scroll_table(table)


def register(ipython: Any) -> None:
    """Show DataFrames through :func:`frame_html`, unless something else already formats them."""
    formatter = ipython.display_formatter.formatters["text/html"]
    taken = any(key in formatter.deferred_printers for key in _DATAFRAME) or any(
        (t.__module__, t.__name__) in _DATAFRAME for t in formatter.type_printers
    )
    if not taken:
        for module, name in _DATAFRAME:
            formatter.for_type_by_name(module, name, frame_html)


def unregister(ipython: Any) -> None:
    formatter = ipython.display_formatter.formatters["text/html"]
    for key in _DATAFRAME:
        if formatter.deferred_printers.get(key) is frame_html:
            del formatter.deferred_printers[key]
    for typ, func in list(formatter.type_printers.items()):
        if func is frame_html:
            del formatter.type_printers[typ]
