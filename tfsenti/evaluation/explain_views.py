"""How `tfsenti explain` shows attributions: coloured words on a terminal, words with their
numbers elsewhere, a self-contained HTML page, or markdown for `report.md`.

Green words pushed the model toward the class it predicted, red ones away from it; the stronger
the colour, the larger the attribution against the text's largest.
"""

from __future__ import annotations

import html

from tfsenti.evaluation.explain import Explanation

RESET = "\x1b[0m"


def _shares(explanation: Explanation) -> list[float]:
    """Each word's attribution over the text's largest one in size, in [-1, 1]."""
    top = max((abs(a) for a in explanation.attributions), default=0.0) or 1.0
    return [a / top for a in explanation.attributions]


def _rgb(share: float) -> tuple[int, int, int]:
    """White to green (positive) or to red (negative) by `share` in [-1, 1]."""
    fade = int(255 * (1 - min(abs(share), 1.0)))
    return (fade, 255, fade) if share >= 0 else (255, fade, fade)


def header(explanation: Explanation) -> str:
    """`pos 0.994`: the predicted label and its probability."""
    shown = "" if explanation.probability is None else f" {explanation.probability:.3f}"
    return f"{explanation.label}{shown}"


def terminal_line(explanation: Explanation, colour: bool) -> str:
    """One line: the label, then the words on coloured backgrounds (`colour`) or each followed
    by its attribution in brackets.

    Example:
        >>> e = Explanation("Dull.", "neg", ["dull", "."], [1.5, -0.25], 0.0, 0.9)
        >>> terminal_line(e, colour=False)
        'neg 0.900  dull[+1.50] .[-0.25]'
    """
    if not colour:
        words = " ".join(f"{w}[{a:+.2f}]" for w, a in zip(explanation.words,
                                                           explanation.attributions))
        return f"{header(explanation)}  {words}"
    words = " ".join("\x1b[48;2;{};{};{}m\x1b[38;2;0;0;0m{}{}".format(*_rgb(s), w, RESET)
                     for w, s in zip(explanation.words, _shares(explanation)))
    return f"{header(explanation)}  {words}"


def markdown_line(explanation: Explanation, top: int = 3) -> str:
    """The words with the `top` largest attributions each way, for `report.md`.

    Example:
        >>> e = Explanation("x", "neg", ["dull", "fine", "."], [1.5, -0.75, 0.1], 0.0)
        >>> markdown_line(e, top=1)
        'for neg: **dull** (+1.50); against: **fine** (-0.75)'
    """
    ranked = sorted(zip(explanation.attributions, explanation.words), reverse=True)
    toward = [f"**{w}** ({a:+.2f})" for a, w in ranked[:top] if a > 0]
    against = [f"**{w}** ({a:+.2f})" for a, w in reversed(ranked[-top:]) if a < 0]
    return (f"for {explanation.label}: {', '.join(toward) or 'none'}; "
            f"against: {', '.join(against) or 'none'}")


def html_page(explanations: list[Explanation], title: str = "tfsenti explain") -> str:
    """A self-contained HTML page: one paragraph per text, each word on its colour with its
    attribution as a tooltip."""
    rows = []
    for e in explanations:
        words = " ".join(
            '<span style="background:rgb({},{},{})" title="{:+.4f}">{}</span>'.format(
                *_rgb(s), a, html.escape(w))
            for w, a, s in zip(e.words, e.attributions, _shares(e)))
        rows.append(f"<p><b>{html.escape(header(e))}</b><br>{words}</p>")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;"
            "max-width:60em;margin:2em auto;line-height:1.8}span{padding:0 2px;"
            "border-radius:3px}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>Integrated gradients on the input embeddings: "
            "green words pushed the model toward the label it predicted, red ones away from it "
            "(hover for the numbers).</p>\n" + "\n".join(rows) + "\n</body></html>\n")
