"""The village list of the place pickers without JavaScript (the complaint forms' and the grid
officer's report), as HTML: one <optgroup> per town and work area, one <option> per village.

Every public complaint form shows the whole county's 500-odd villages; rendered option by option
through Jinja they were about half of that page's CPU time (bench/http_bench.py). The list only
changes with the grid, and engine/org/places.villages_by_area hands back the same object until it
does, so the HTML is built once beside that object and each page only marks its chosen village.
"""
from __future__ import annotations

import threading

from markupsafe import Markup, escape

_lock = threading.Lock()
_built: tuple[object, str] | None = None  # (the groups, their HTML): the latest grid only


def _option(code: str) -> str:
    return f'<option value="{escape(code)}">'


def _html(groups) -> str:
    global _built
    with _lock:
        if _built is not None and _built[0] is groups:
            return _built[1]
    parts = []
    for town, area, villages in groups:
        parts.append(f'<optgroup label="{escape(town.name)} · {escape(area.name)}">')
        parts.extend(f"{_option(village.code)}{escape(village.name)}</option>" for village in villages)
        parts.append("</optgroup>")
    html = "".join(parts)
    with _lock:
        _built = (groups, html)
    return html


def village_options(groups, selected: str | None) -> Markup:
    """The options of ``groups`` (villages_by_area's value), ``selected``'s marked as chosen."""
    html = _html(groups)
    if selected:
        # Codes are unique and the value is quoted whole, so this finds the one option or none.
        chosen = _option(selected)
        html = html.replace(chosen, f'{chosen[:-1]} selected>', 1)
    return Markup(html)


def init_app(app) -> None:
    app.jinja_env.globals["village_options"] = village_options
