"""The price of peace as a terminal table (model-spec V2.7), within 80 columns.

One row per package and dispute: how often it ended in an agreement, the
challenger's share of the stake in the settlements in force at the end
(mean, 5-95%), weeks to the first agreement, the share of agreements and of
ceasefires that broke down, and who gave way. A package with an
``enforced: true`` intervention is starred: its outcome is imposed, not
chosen.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

__all__ = ["peace_table"]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _terms(t: dict[str, Any]) -> str:
    if t["mean"] is None:
        return "-"
    return f"{t['mean']:.2f}\n{t['q05']:.2f}-{t['q95']:.2f}"


def _num(x: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if x is None else fmt.format(x)


def peace_table(rows: list[dict[str, Any]]) -> Table:
    """A Rich table of the rows of :meth:`Comparison.rows` (each with ``disputes``)."""
    table = Table(
        title="The price of peace",
        caption="agreed: runs with an agreement; terms: the challenger's share of the "
        "stake at the end (mean, 5-95%); weeks: to the first agreement; broke: "
        "agreements / ceasefires that came apart; gave way: challenger / defender. "
        "* enforced: imposed by fiat, not chosen.",
    )
    table.add_column("package", no_wrap=True, max_width=16)
    table.add_column("dispute", overflow="fold", max_width=10)
    for header in ("agreed", "terms", "weeks", "broke", "gave way"):
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        name = row["name"] + ("*" if row.get("p_enforced", 0.0) > 0 else "")
        for i, (dispute, d) in enumerate(row.get("disputes", {}).items()):
            table.add_row(
                name if i == 0 else "",
                dispute,
                _pct(d.get("p_agreement")),
                _terms(d["terms"]),
                _num(d.get("weeks_to_agreement")),
                f"{_pct(d.get('agreements_broken'))}\n{_pct(d.get('ceasefires_broken'))}",
                f"{_pct(d.get('conceded_by_challenger'))}\n"
                f"{_pct(d.get('conceded_by_defender'))}",
            )
    return table


def peace_html(rows: list[dict[str, Any]]) -> str:
    """The same table as HTML for the report, every text escaped.

    A short note says how to read it: P(settled) counts runs in which every
    dispute ended in a settlement, whatever its terms; the terms say who paid
    for the peace.
    """
    import html

    head = ("package", "dispute", "runs with an agreement", "challenger's terms (mean, 5-95%)",
            "weeks to agreement", "agreements broken", "ceasefires broken",
            "gave way: challenger / defender")
    body = []
    for row in rows:
        name = row["name"] + (" (enforced)" if row.get("p_enforced", 0.0) > 0 else "")
        for dispute, d in row.get("disputes", {}).items():
            t = d["terms"]
            terms = "-" if t["mean"] is None else f"{t['mean']:.2f} ({t['q05']:.2f}-{t['q95']:.2f})"
            cells = (name, dispute, _pct(d.get("p_agreement")), terms,
                     _num(d.get("weeks_to_agreement")), _pct(d.get("agreements_broken")),
                     _pct(d.get("ceasefires_broken")),
                     f"{_pct(d.get('conceded_by_challenger'))} / "
                     f"{_pct(d.get('conceded_by_defender'))}")
            body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    note = (
        "How to read this: a run is settled when every dispute ended by agreement, "
        "concession or victory; P(settled) says nothing of the terms. The terms are the "
        "challenger's share of the stake in the settlements in force at the end: a "
        "package that lowers P(war) by granting one side its whole demand shows it here. "
        "Agreements and ceasefires can break down; an enforced package imposes its outcome "
        "by assumption rather than by the actors' choices."
    )
    return (
        "<section><h2>Agreements, breakdowns and who gave way</h2>"
        f"<p>{html.escape(note)}</p><table><thead><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>" + "".join(body) + "</tbody></table></section>"
    )
