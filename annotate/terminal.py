"""Printing user data on the terminal through rich, safely.

rich reads every ``str`` it prints as console markup: a title, file name, system name, MQM
category or error message holding ``[/b]`` crashes the command with a ``MarkupError``, and one
holding ``[video]`` or ``[red]x[/red]`` silently loses those words. (It also turns ``:smile:`` into
an emoji.) So nothing from the user reaches rich as a markup ``str``: messages are built with
:func:`line` (values as plain text, our own styling as ``(text, style)`` pairs), table cells,
titles and captions go through :class:`PlainTable`, and errors through :func:`print_error`.
A :class:`rich.text.Text` is never parsed as markup, which is what every helper here relies on.
"""

from __future__ import annotations

from typing import Any, Union

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

Styled = tuple[str, str]  # (our own text, its rich style), e.g. ("error:", "bold red")
Part = Union[Styled, object]  # a Styled pair, or any value: printed as plain str(value)


def plain(value: object) -> Text:
    """``str(value)`` as rich Text: printed literally, brackets, backslashes and colons included."""
    return value if isinstance(value, Text) else Text(str(value))


def line(*parts: Part) -> Text:
    """One message from plain values and ``(text, style)`` pairs, e.g.
    ``line(("error:", "bold red"), " ", message)``: the message is never read as markup."""
    text = Text()
    for part in parts:
        if isinstance(part, tuple) and len(part) == 2 and all(isinstance(p, str) for p in part):
            text.append(part[0], style=part[1])
        else:
            text.append_text(plain(part))
    return text


def make_console(stderr: bool = False, **options: Any) -> Console:
    """A rich Console (stdout, or stderr for errors, warnings and progress)."""
    return Console(stderr=stderr, **options)


def print_error(message: object, console: Console | None = None, *, label: str = "error:",
                style: str = "bold red") -> None:
    """``error: <message>`` on stderr (or ``console``); the message, which quotes file names and
    user data, is printed as plain text."""
    console = console or make_console(stderr=True, soft_wrap=True)
    console.print(line((label, style), " ", message), highlight=False)


def print_warning(message: object, console: Console | None = None, *, label: str = "warning:") -> None:
    """``warning: <message>`` in yellow on stderr (or ``console``), the message as plain text."""
    print_error(message, console, label=label, style="yellow")


def _plain_if_str(renderable: RenderableType | None) -> RenderableType | None:
    return Text(renderable) if isinstance(renderable, str) else renderable


class PlainTable(Table):
    """A rich Table whose title, caption and ``str`` cells are plain text, never markup: a cell
    holding a title or a system name prints as it is. Column headers (our own words) keep rich's
    markup; a cell we style ourselves is passed as a Text (``Text("TEST FIXTURE", style="yellow")``)."""

    def __init__(self, *headers: Any, title: RenderableType | None = None,
                 caption: RenderableType | None = None, **options: Any) -> None:
        super().__init__(*headers, title=_plain_if_str(title), caption=_plain_if_str(caption), **options)

    def add_column(self, *args: Any, **options: Any) -> None:
        """Add a column whose cells fold rather than end in "…" when the terminal is narrow: a
        system name or a number cut short would be read as another one."""
        options.setdefault("overflow", "fold")
        super().add_column(*args, **options)

    def add_row(self, *renderables: RenderableType | None, style: Any = None, end_section: bool = False) -> None:
        """Add a row; every ``str`` cell is plain text."""
        super().add_row(*(_plain_if_str(cell) for cell in renderables), style=style, end_section=end_section)


def print_table(console: Console, table: Table) -> None:
    """Print ``table``; off a terminal (a pipe, a file, a CI log), at its natural width, so no cell
    wraps or folds for want of the 80 columns rich assumes there."""
    if console.is_terminal:
        console.print(table)
        return
    natural = console.measure(table, options=console.options.update(width=10_000)).maximum
    saved = console.width
    console.width = max(saved, natural)
    try:
        console.print(table)
    finally:
        console.width = saved
