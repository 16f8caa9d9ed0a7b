"""Text from Jira (and from config files) is untrusted: how it is isolated in sentences and made safe to print.

Team, sprint, project and PI names come from whoever can edit Jira. Two ways such a name can mislead:

- **Bidirectional text.** A name with a right-to-left override (U+202E) or simply right-to-left letters
  reorders the words *around* it when a sentence is built with it ("2 teams red: <name>, Rockets").
  :func:`isolate` wraps a name in FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE (U+2068 ... U+2069), the
  plain-text form of HTML's ``<bdi>``: the name keeps its own direction and cannot touch its neighbours.
  The HTML renderer turns each isolated run into a ``<bdi>`` element; plain text (the e-mail's subject and
  text part) keeps the two characters.
- **Terminal control.** An escape sequence in a name (an OSC that sets the window title or hides a link, a
  CSI that moves the cursor or clears the screen) is acted on by a terminal that prints it.
  :func:`for_terminal` removes escape sequences, C0/C1 control characters and bidi controls from every
  line the CLI prints.
"""

from __future__ import annotations

import re

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
_ISOLATE_CONTROLS = re.compile("[\u2066\u2067\u2068\u2069]")
# ALM, LRM, RLM, the embeddings and overrides (LRE RLE PDF LRO RLO) and the isolates (LRI RLI FSI PDI).
_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ESCAPE_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, colours, clearing the screen
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the same, introduced by the 8-bit C1 CSI
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]?"  # any other escape (ESC c resets the terminal)
)
_CONTROLS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029\x85]")


ISOLATED_RUN = re.compile(f"{FSI}([^{FSI}{PDI}]*){PDI}")  # one run made by isolate(); its text in group 1


def isolate(name: object) -> str:
    """``name`` as an isolated bidi run for a sentence; isolate controls inside it are dropped so that the
    run cannot end early or swallow the rest of the sentence."""
    return f"{FSI}{_ISOLATE_CONTROLS.sub('', str(name))}{PDI}"


def without_isolates(text: str) -> str:
    """``text`` with the isolate marks taken out (for places that have no bidi, like a file name)."""
    return _ISOLATE_CONTROLS.sub("", text)


def for_terminal(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe to print: no escape sequence, no control character, no bidi control.

    Line breaks and tabs become spaces, so a name cannot start a line of its own that looks like ours
    (``keep_newlines`` keeps ``\\n`` for a traceback under --debug).
    """
    if keep_newlines:
        return "\n".join(for_terminal(line) for line in _ESCAPE_SEQUENCES.sub("", text).split("\n"))
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", _ESCAPE_SEQUENCES.sub("", text)))
