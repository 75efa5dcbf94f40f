"""The bar of links at the top of every clinic page, so the physio moves between them in a click.

The links are relative (``trends.ipynb``), so they work wherever the clinic face is served: at
``/voila/render/`` on kneekit serve's own port, or under a JupyterHub prefix such as
``/user/anna/voila/render/``. The page titles are in each notebook's metadata (``title``),
which Voilà's template puts in ``<title>``.
"""

from __future__ import annotations

import html

import ipywidgets as w

CLINIC_PAGES = (
    ("clinic.ipynb", "Overview"),
    ("session.ipynb", "Guided session"),
    ("checkin.ipynb", "Check-in"),
    ("trends.ipynb", "Trends"),
    ("routine_lab.ipynb", "Routine lab"),
)
"""The clinic face's notebooks (kneekit.voila.faces.CLINIC_NOTEBOOKS), in the bar's order."""

TITLE_PREFIX = "kneekit — "
"""Every clinic page's title starts so ("kneekit — Clinic overview"), telling tabs apart."""

_STYLE = (
    "<style>.kneekit-nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:0.25em 0.4em;"
    "margin:0 0 0.6em;padding:0}"
    ".kneekit-nav a{display:inline-block;padding:0.55em 0.8em;min-height:1.5em;"
    "border-radius:6px;color:#0d47a1;text-decoration:underline;font-size:1.05em}"
    ".kneekit-nav a:focus-visible{outline:3px solid #0d47a1;outline-offset:2px}"
    ".kneekit-nav a[aria-current=page]{background:#0d47a1;color:#fff;text-decoration:none;"
    "font-weight:bold}"
    # ipywidgets gives a labelled control a fixed width (300 px, or a layout's): on a 320 px
    # phone that runs off the screen, so a control may shrink to the width it is given (less
    # its 2 px margins).
    ".jupyter-widgets.widget-inline-hbox{max-width:calc(100% - 4px)}"
    ".widget-inline-hbox input,.widget-inline-hbox select,.widget-inline-hbox textarea"
    "{min-width:0}</style>"
)


def nav_html(current: str) -> str:
    """The bar's markup: one link per clinic page, the current one marked (aria-current).

    Raises
    ------
    ValueError
        When ``current`` is not one of :data:`CLINIC_PAGES` (a typo in a notebook).
    """
    names = [name for name, _ in CLINIC_PAGES]
    if current not in names:
        raise ValueError(f"{current!r} is not a clinic page; the pages are {', '.join(names)}.")
    links = "".join(
        f'<li><a href="{html.escape(name)}"'
        + (' aria-current="page"' if name == current else "")
        + f">{html.escape(label)}</a></li>"
        for name, label in CLINIC_PAGES
    )
    return f'{_STYLE}<nav class="kneekit-nav" aria-label="Clinic pages"><ul>{links}</ul></nav>'


def clinic_nav(current: str) -> w.HTML:
    """The bar as a widget, for the first cell of a clinic notebook."""
    bar = w.HTML(nav_html(current))
    bar.add_class("kneekit-nav-bar")
    return bar
