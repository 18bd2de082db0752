"""The quiz's terminal: output through rich, input a line or a single key at a time.

On a terminal (stdin and stdout both ttys, not Windows) choices and ratings take one key press
in cbreak mode; otherwise every answer is one line, echoed after its prompt, so a piped session
reads like a transcript. Also here: holding Ctrl-C while an answer is saved.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any

STYLES = {
    "muted": "dim",
    "id": "cyan",
    "flag": "yellow",
    "question": "bold",
    "blank": "bold yellow",
    "right": "bold green",
    "wrong": "bold red",
    "close": "bold yellow",
    "answer": "bold",
    "quote": "italic",
}


class Terminal:
    """Output through rich (colour only when wanted), input a line or a key at a time."""

    def __init__(self, stdin: IO[str], stdout: IO[str], *, color: bool) -> None:
        from rich.console import Console

        self.stdin = stdin
        self.keys = _isatty(stdin) and _isatty(stdout) and sys.platform != "win32"
        self.console = Console(
            file=stdout,
            color_system="auto" if color else None,
            force_terminal=color or None,  # the caller has decided (NO_COLOR, a tty)
            no_color=not color,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=not _isatty(stdout),
        )
        encoding = (getattr(stdout, "encoding", None) or "utf-8").lower()
        self.fancy = encoding.replace("-", "") in ("utf8", "utf16", "utf32")

    def symbol(self, fancy: str, plain: str) -> str:
        return fancy if self.fancy else plain

    def say(self, *parts: str | tuple[str, str]) -> None:
        """One line made of plain strings and (text, style name) pairs."""
        from rich.text import Text

        line = Text()
        for part in parts:
            if isinstance(part, tuple):
                line.append(part[0], style=STYLES[part[1]])
            else:
                line.append(part)
        self.console.print(line)

    def blank_line(self) -> None:
        self.console.print()

    def ask_line(self, prompt: str) -> str | None:
        """A line of input (None at end of input). Piped input is echoed to keep the
        transcript readable."""
        if self.keys:
            _enable_line_editing()
            self.console.file.flush()
            try:
                return input(prompt)
            except EOFError:
                self.console.print()
                return None
        self.console.print(prompt, end="")
        self.console.file.flush()
        line = self.stdin.readline()
        if not line:
            self.console.print()
            return None
        line = line.rstrip("\r\n")
        self.console.print(line)
        return line

    def ask_key(self, prompt: str, *, ignore_for: float = 0.0) -> str | None:
        """One key press on a terminal (Enter reads as ""), else one line.

        On a terminal, keys pressed before the prompt is shown never answer it, nor do those
        pressed within `ignore_for` seconds after: they were meant for the previous prompt."""
        if not self.keys:
            return self.ask_line(prompt)
        self.console.print(prompt, end="")
        self.console.file.flush()
        key = _read_key(self.stdin, ignore_for)
        if key is None:
            self.console.print()
        return key


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _enable_line_editing() -> None:
    with suppress(ImportError):  # not on every platform
        import readline  # noqa: F401  (importing it is what gives input() history and editing)


_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?", re.DOTALL)


def _read_key(stream: IO[str], ignore_for: float = 0.0) -> str | None:
    """One key in cbreak mode (Ctrl-C still interrupts), pressed after this call and at least
    `ignore_for` seconds into it. Escape sequences such as arrow keys are dropped whole, so
    their letters are never taken as answers."""
    import select
    import termios
    import time
    import tty

    fd = stream.fileno()
    old = termios.tcgetattr(fd)
    try:
        # TCSAFLUSH discards what was typed but not read yet: the rest of a burst ("2" then
        # Enter) or keys pressed while the previous answer was being shown.
        tty.setcbreak(fd, termios.TCSAFLUSH)
        deadline = time.monotonic() + ignore_for
        while (left := deadline - time.monotonic()) > 0:
            if select.select([fd], [], [], left)[0]:
                data = os.read(fd, 64)
                if not data or data.startswith(b"\x04"):  # end of input is never ignored
                    return None
        while True:
            data = os.read(fd, 64)
            if data == b"\x1b":  # the rest of a sequence may follow a moment later
                while select.select([fd], [], [], 0.05)[0]:
                    data += os.read(fd, 64)
            if not data or data.startswith(b"\x04"):  # end of input, or Ctrl-D
                return None
            text = _ESCAPE.sub("", data.decode("utf-8", "replace"))
            if text:
                return "" if text[0] in "\r\n" else text[0]
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


@contextmanager
def shielded() -> Iterator[None]:
    """Hold Ctrl-C while a review is saved, so the summary counts exactly what was saved."""
    if os.name != "posix" or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
