"""A small, safe Markdown-to-HTML converter for model answers (no dependency, deterministic).

    markdown_to_html("## Cause\\n- **checkout** lacks `PAYMENTS_API_URL`")

Covers what models write: ATX headings, paragraphs, bullet and numbered lists (nested by
indentation), fenced code, block quotes, pipe tables, rules, and inline code, bold, italic and links.
All text is HTML-escaped first; raw HTML in the input is shown as text, and links other than
http(s), mailto, anchors and relative paths are rendered as plain text.
"""

from __future__ import annotations

import html
import re

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+.-]*)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)")
_SAFE_URL = re.compile(r"^(https?://|mailto:|#|/|\./|\.\./|[\w.-]+(/|$))", re.IGNORECASE)
_INLINE = [
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])"), r"<em>\1</em>"),
    (re.compile(r"(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)"), r"<em>\1</em>"),
]


_PRE = "white-space:pre;overflow-x:auto"


def _link(m: re.Match) -> str:
    text, url = m.group(1), html.unescape(m.group(2))
    if not _SAFE_URL.match(url):
        return text
    return f'<a href="{html.escape(url, quote=True)}">{text}</a>'


def inline(text: str) -> str:
    """Escape ``text`` and render inline code, links, bold and italic."""
    out, pos = [], 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_inline_plain(text[pos : m.start()]))
        out.append(f"<code>{html.escape(m.group(2).strip(), quote=False)}</code>")
        pos = m.end()
    out.append(_inline_plain(text[pos:]))
    return "".join(out)


def _inline_plain(text: str) -> str:
    text = _LINK.sub(_link, html.escape(text, quote=False))
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text


def _cells(line: str) -> list[str]:
    line = line.strip().removeprefix("|")
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def _table(lines: list[str]) -> str:
    head, aligns = _cells(lines[0]), []
    for spec in _cells(lines[1]):
        left, right = spec.startswith(":"), spec.endswith(":")
        aligns.append(' style="text-align:center"' if left and right else ' style="text-align:right"' if right else "")
    rows = [
        "<tr>"
        + "".join(f"<th{aligns[i] if i < len(aligns) else ''}>{inline(c)}</th>" for i, c in enumerate(head))
        + "</tr>"
    ]
    for line in lines[2:]:
        cells = _cells(line)
        rows.append(
            "<tr>"
            + "".join(f"<td{aligns[i] if i < len(aligns) else ''}>{inline(c)}</td>" for i, c in enumerate(cells))
            + "</tr>"
        )
    return "<table>\n<thead>\n" + rows[0] + "\n</thead>\n<tbody>\n" + "\n".join(rows[1:]) + "\n</tbody>\n</table>"


def _list(lines: list[str]) -> str:
    """Lines of one list (items and their indented continuations) as <ul>/<ol>."""
    first = _item(lines[0])
    indent = len(first.group(1))
    ordered = first.group(2)[0].isdigit()
    items: list[list[str]] = []
    for line in lines:
        m = _ITEM.match(line)
        if m and len(m.group(1)) <= indent:
            items.append([m.group(3)])
        else:
            items[-1].append(line[indent + 2 :] if line[: indent + 2].strip() == "" else line.strip())
    parts = []
    for item in items:
        body = markdown_to_html("\n".join(item))
        if body.startswith("<p>") and body.count("<p>") == 1:  # tight item: unwrap the paragraph
            body = body.replace("<p>", "", 1).replace("</p>", "", 1)
        parts.append(f"<li>{body}</li>")
    tag = "ol" if ordered else "ul"
    start = int(first.group(2)[:-1]) if ordered else 1
    attr = f' start="{start}"' if ordered and start != 1 else ""
    return f"<{tag}{attr}>\n" + "\n".join(parts) + f"\n</{tag}>"


def _item(line: str) -> re.Match[str]:
    """The list-item match of a line already known to start a list."""
    m = _ITEM.match(line)
    assert m is not None, line
    return m


def _take_list(lines: list[str], i: int) -> int:
    """Index just past the list starting at ``lines[i]``."""
    first = _item(lines[i])
    indent, ordered = len(first.group(1)), first.group(2)[0].isdigit()
    j = i + 1
    while j < len(lines):
        line = lines[j]
        item = _ITEM.match(line)
        if item and len(item.group(1)) <= indent and item.group(2)[0].isdigit() != ordered:
            break  # bullets after numbers (or the reverse) start a new list
        if not line.strip():
            nxt = lines[j + 1] if j + 1 < len(lines) else ""
            if nxt.strip() and (_ITEM.match(nxt) or nxt.startswith(" " * (indent + 2))):
                j += 1
                continue
            break
        if _ITEM.match(line) or line.startswith(" " * (indent + 1)) or not _block_start(line):
            j += 1
            continue
        break
    return j


def _block_start(line: str) -> bool:
    return bool(_FENCE.match(line) or _HEADING.match(line) or _RULE.match(line) or line.lstrip().startswith(">"))


def _until(lines: list[str], i: int, keep) -> int:
    while i < len(lines) and keep(lines[i]):
        i += 1
    return i


def _block(lines: list[str], i: int) -> tuple[str | None, int]:
    """The block starting at ``lines[i]`` as (html, next index), or (None, i) for a paragraph line."""
    line = lines[i]
    fence, heading = _FENCE.match(line), _HEADING.match(line)
    if fence:
        end = _until(lines, i + 1, lambda x: not x.strip().startswith(fence.group(1)))
        lang = f' class="language-{html.escape(fence.group(2))}"' if fence.group(2) else ""
        code = html.escape("\n".join(lines[i + 1 : end]), quote=False)
        return f'<pre style="{_PRE}"><code{lang}>{code}</code></pre>', end + 1  # tables in logs keep their columns
    if heading:
        level = len(heading.group(1))
        return f"<h{level}>{inline(heading.group(2))}</h{level}>", i + 1
    if _RULE.match(line):
        return "<hr>", i + 1
    if line.lstrip().startswith(">"):
        j = _until(lines, i, lambda x: x.lstrip().startswith(">"))
        quoted = "\n".join(re.sub(r"^\s*>\s?", "", q) for q in lines[i:j])
        return "<blockquote>\n" + markdown_to_html(quoted) + "\n</blockquote>", j
    if "|" in line and i + 1 < len(lines) and "|" in lines[i + 1] and _TABLE_SEP.match(lines[i + 1]):
        j = _until(lines, i + 2, lambda x: "|" in x and x.strip())
        return _table(lines[i:j]), j
    if _ITEM.match(line):  # a list may interrupt a paragraph (models rarely leave a blank line)
        j = _take_list(lines, i)
        return _list(lines[i:j]), j
    return None, i


def markdown_to_html(text: str) -> str:
    """Render Markdown ``text`` to an HTML fragment (deterministic; input HTML is escaped)."""
    lines = (text or "").replace("\r\n", "\n").replace("\t", "    ").split("\n")
    out: list[str] = []
    para: list[str] = []
    i = 0
    while i <= len(lines):
        block, j = _block(lines, i) if i < len(lines) and lines[i].strip() else (None, i)
        if (block is not None or i == len(lines) or not lines[i].strip()) and para:
            out.append("<p>" + "<br>\n".join(inline(p.strip()) for p in para) + "</p>")
            para.clear()
        if block is not None:
            out.append(block)
            i = j
            continue
        if i < len(lines) and lines[i].strip():
            para.append(lines[i])
        i += 1
    return "\n".join(out)
