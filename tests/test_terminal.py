"""The quiz's terminal: one key at a time on a real pseudo-terminal, lines when piped, and
Ctrl-C held while an answer is saved."""

from __future__ import annotations

import io
import os
import select
import signal
import sys
import termios
import threading
import time
from collections.abc import Iterator

import pytest

from quizgen.terminal import Terminal, shielded

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal")


class Pty:
    """A pseudo-terminal: the quiz reads and writes the slave end; the test types into (and
    reads from) the master end, like a terminal emulator."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        self.stdin = os.fdopen(slave, "r", encoding="utf-8")
        self.stdout = os.fdopen(os.dup(slave), "w", encoding="utf-8")

    def in_cbreak(self) -> bool:
        return not termios.tcgetattr(self.stdin.fileno())[3] & termios.ICANON

    def type_later(self, *keys: tuple[float, bytes]) -> threading.Event:
        """Once the reader has switched to single keys, type each key after its delay.
        Returns an event to set when the read is over; if it is not set in time, Ctrl-D
        ends the read, so that a failing test fails instead of hanging."""
        over = threading.Event()

        def run() -> None:
            deadline = time.monotonic() + 10
            while not self.in_cbreak() and time.monotonic() < deadline:
                time.sleep(0.002)
            for delay, data in keys:
                if over.wait(delay):
                    return
                os.write(self.master, data)
            if not over.wait(10):
                os.write(self.master, b"\x04")

        threading.Thread(target=run, daemon=True).start()
        return over

    def output(self) -> str:
        data = b""
        while True:
            if not select.select([self.master], [], [], 0.05)[0]:
                return data.decode("utf-8", "replace")
            data += os.read(self.master, 4096)

    def close(self) -> None:
        self.stdin.close()
        self.stdout.close()
        os.close(self.master)


@pytest.fixture
def pty() -> Iterator[Pty]:
    p = Pty()
    yield p
    p.close()


def ask(pty: Pty, *keys: tuple[float, bytes], ignore_for: float = 0.0) -> str | None:
    terminal = Terminal(pty.stdin, pty.stdout, color=False)
    assert terminal.keys  # both ends are terminals: single keys
    over = pty.type_later(*keys)
    try:
        return terminal.ask_key("Rate: ", ignore_for=ignore_for)
    finally:
        over.set()


def test_one_key_is_read_without_enter_and_the_terminal_restored(pty):
    before = termios.tcgetattr(pty.stdin.fileno())
    assert ask(pty, (0, b"3")) == "3"
    assert ask(pty, (0, b"\r")) == ""  # Enter
    assert termios.tcgetattr(pty.stdin.fileno()) == before
    assert "Rate: " in pty.output()


def test_an_arrow_key_is_dropped_whole(pty):
    assert ask(pty, (0, b"\x1b[A"), (0.1, b"b")) == "b"
    assert ask(pty, (0, b"\x1b[Bc")) == "c"


def test_keys_typed_before_the_prompt_do_not_answer_it(pty):
    os.write(pty.master, b"2\r\r")  # the rest of a burst meant for the previous prompt
    assert select.select([pty.stdin], [], [], 5)[0]  # it has reached the terminal's input
    assert ask(pty, (0.2, b"4")) == "4"


def test_keys_within_the_pause_are_ignored_then_a_fresh_one_counts(pty):
    started = time.monotonic()
    key = ask(pty, (0, b"\r"), (0.05, b"\r"), (1.5, b"1"), ignore_for=1.0)
    assert key == "1"
    assert time.monotonic() - started >= 1.0


def test_end_of_input_is_never_ignored(pty):
    assert ask(pty, (0, b"\x04"), ignore_for=5.0) is None


def test_piped_input_is_read_a_line_at_a_time_and_echoed():
    out = io.StringIO()
    terminal = Terminal(io.StringIO("b\nsome answer\n"), out, color=False)
    assert not terminal.keys
    assert terminal.ask_key("Your choice: ", ignore_for=1.0) == "b"  # no pause for a pipe
    assert terminal.ask_line("Your answer: ") == "some answer"
    assert terminal.ask_line("Your answer: ") is None
    assert out.getvalue() == "Your choice: b\nYour answer: some answer\nYour answer: \n"


@pytest.mark.skipif(os.name != "posix", reason="SIGINT is held on POSIX only")
def test_ctrl_c_while_an_answer_is_saved_waits_for_the_save():
    saved = []
    with pytest.raises(KeyboardInterrupt), shielded():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the signal arrives here, and is held
        saved.append(True)
    assert saved == [True]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
