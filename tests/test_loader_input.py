"""Input that used to vanish or mislead, through `quizgen check`: every line it prints, exactly.

Entries of sources/ and templates/ that cannot be read (a broken or looping link, a folder
named x.yaml, a named pipe, a socket, a file or folder the user may not read) are errors with
their path, never skipped; a project without deck.yaml, a kind no fact uses and a folder of
YAML files inside sources/ are warnings; ids and keys with a look-alike character, tags Anki
would change, and keys named the way other tools name them get a message that says so.

Cases that git can hold are fixture folders under tests/fixtures/bad/; pipes, sockets and
permissions are made in tmp_path.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen import yamlio
from quizgen.cli import main

BAD = Path(__file__).parent / "fixtures" / "bad"
REPO = Path(__file__).parent.parent

NOT_ASCII = "ids use lowercase ASCII letters, digits, '-', '_' and '.'"
ONLY = "ids use only lowercase letters, digits, '-', '_' and '.'"
TAG = "of fact 'muesli/acts'"
SUMMARY = "(1 sources, 1 facts, 1 cards)"

# fixture folder -> (exit code, every line `quizgen check .` prints on stderr)
EXPECTED: dict[str, tuple[int, list[str]]] = {
    "dangling-symlink": (
        1,
        ["sources/gone.yaml: broken symlink: its target 'missing.yaml' does not exist"],
    ),
    "symlink-loop": (1, ["sources/loop.yaml: symlink loop: following it leads back to itself"]),
    "folder-named-yaml": (1, ["sources/folder.yaml: a folder, not a YAML file"]),
    "no-deck": (
        0,
        [
            "deck.yaml: warning: not found, so the deck is titled 'no-deck' after its folder; "
            "create deck.yaml with 'title: ...'",
            f"1 warning {SUMMARY}",
        ],
    ),
    "unused-kind": (
        0,
        [
            "templates/count.yaml:1: warning: kind 'count' is used by no fact",
            f"1 warning {SUMMARY}",
        ],
    ),
    "subfolder": (
        0,
        [
            "sources/drafts: warning: folder not read: quizgen reads only sources/*.yaml; move "
            "its files up into sources/, or start its name with '.' to keep it aside",
            f"1 warning {SUMMARY}",
        ],
    ),
    "non-ascii-names": (
        1,
        [
            "sources/muesli.yaml:11: fact id 'аcts' contains the non-ASCII character 'а' "
            f"(U+0430 CYRILLIC SMALL LETTER A) at position 1; {NOT_ASCII}",
            "sources/muesli.yaml:17: unknown kind 'rеsult': it contains the non-ASCII character "
            "'е' (U+0435 CYRILLIC SMALL LETTER IE) at position 2; did you mean 'result'?",
            "sources/muesli.yaml:25: unknown key 'еvidence' in fact 'muesli/third': it contains "
            "the non-ASCII character 'е' (U+0435 CYRILLIC SMALL LETTER IE) at position 1; "
            "did you mean 'evidence'?",
            "3 problems found",
        ],
    ),
    "bad-ids": (
        1,
        [
            "sources/muesli.yaml:11: fact id '..' must start with a lowercase letter or digit",
            "sources/muesli.yaml:16: fact id '.' must start with a lowercase letter or digit",
            "sources/muesli.yaml:21: fact id '-acts' must start with a lowercase letter or digit",
            "sources/muesli.yaml:26: fact id 'Acts' contains the capital letter 'A' at "
            "position 1; ids are lowercase",
            f"sources/muesli.yaml:31: fact id 'acts/2' contains '/' at position 5; {ONLY}",
            f"sources/muesli.yaml:36: fact id 'acts 2' contains a space at position 5; {ONLY}",
            "6 problems found",
        ],
    ),
    "bad-tags": (
        1,
        [
            f"sources/muesli.yaml:18: tag 'machine learning' {TAG} contains a space at "
            "position 8; a tag is one word (Anki splits tags at spaces): join the words with "
            "'-' or '_'",
            f"sources/muesli.yaml:19: tag '<b>rl</b>' {TAG} contains markup ('<b>'); a tag is "
            "plain text",
            f"sources/muesli.yaml:20: tag 'q&amp;a' {TAG} contains markup ('&amp;'); a tag is "
            "plain text",
            f"sources/muesli.yaml:21: tag 'rl::' {TAG} has an empty level: '::' separates "
            "levels, as in 'method::rl'",
            f"sources/muesli.yaml:22: tag '\"quoted\"' {TAG} contains '\"', which Anki deletes "
            "from tags",
            "5 problems found",
        ],
    ),
    "synonym-keys": (
        1,
        [
            "sources/muesli.yaml:6: unknown key 'abstract' in a source; did you mean 'text'?",
            "sources/muesli.yaml:15: unknown key 'aka' in fact 'muesli/acts'; "
            "did you mean 'aliases'?",
            "sources/muesli.yaml:16: unknown key 'quote' in fact 'muesli/acts'; "
            "did you mean 'evidence'?",
            "templates/definition.yaml:7: unknown key 'question' in a template of kind "
            "'definition'; did you mean 'front'?",
            "templates/definition.yaml:8: unknown key 'solution' in a template of kind "
            "'definition'; did you mean 'answer'?",
            "5 problems found",
        ],
    ),
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_reports_the_case(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD / name)
    code, out, err = run("check", ".")
    assert (code, err.splitlines()) == EXPECTED[name]
    assert out == ""


def test_other_commands_refuse_an_unreadable_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD / "dangling-symlink")
    code, out, err = run("cards", ".")
    assert (code, out) == (1, "")
    assert err == "sources/gone.yaml: broken symlink: its target 'missing.yaml' does not exist\n"


def test_a_missing_deck_file_does_not_stop_other_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD / "no-deck")
    code, out, _ = run("cards", ".")
    assert code == 0
    assert out.endswith("1 cards\n")


# Made in tmp_path: what git cannot hold ------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A clean one-fact project (no problem at all) to break."""
    root = tmp_path / "project"
    shutil.copytree(BAD / "dangling-symlink", root, symlinks=True)
    (root / "sources" / "gone.yaml").unlink()
    return root


def check_in_child(root: Path, preexec: object = None) -> tuple[int, str]:
    """`quizgen check .` in a child process, so that a read that blocks fails the test (by the
    timeout) instead of hanging it."""
    done = subprocess.run(
        [sys.executable, "-m", "quizgen", "check", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec,  # type: ignore[arg-type]
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)},
    )
    return done.returncode, done.stderr


def _writer(path: Path) -> threading.Thread:
    """A writer waiting to open the FIFO at `path`. Opening a FIFO for writing blocks until
    someone opens it for reading, so a writer still waiting afterwards proves that quizgen
    never opened the pipe (not even without blocking)."""
    thread = threading.Thread(target=lambda: os.close(os.open(path, os.O_WRONLY)), daemon=True)
    thread.start()
    return thread


def _release(path: Path, thread: threading.Thread) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    thread.join(10)
    os.close(fd)
    assert not thread.is_alive()


def test_a_named_pipe_is_an_error_and_never_opened(project: Path) -> None:
    pipe = project / "sources" / "pipe.yaml"
    os.mkfifo(pipe)
    writer = _writer(pipe)
    code, err = check_in_child(project)
    still_waiting = writer.is_alive()
    _release(pipe, writer)
    assert (code, err) == (
        1,
        "sources/pipe.yaml: a named pipe, not a file; quizgen reads only regular files\n",
    )
    assert still_waiting, "quizgen opened the pipe"


def test_deck_yaml_as_a_named_pipe(project: Path) -> None:
    deck = project / "deck.yaml"
    deck.unlink()
    os.mkfifo(deck)
    writer = _writer(deck)
    code, err = check_in_child(project)
    still_waiting = writer.is_alive()
    _release(deck, writer)
    assert (code, err) == (
        1,
        "deck.yaml: a named pipe, not a file; quizgen reads only regular files\n",
    )
    assert still_waiting, "quizgen opened the pipe"


def test_the_compile_cache_never_opens_a_named_pipe(project: Path) -> None:
    """`quiz` and `stats` fingerprint every file before compiling: that must not block either,
    and the project is then refused like `check` refuses it."""
    pipe = project / "templates" / "pipe.yml"
    os.mkfifo(pipe)
    writer = _writer(pipe)
    script = (
        "from pathlib import Path\n"
        "from quizgen.errors import InputError\n"
        "from quizgen.project import compile_project\n"
        "try:\n"
        "    compile_project(Path('.'), cached=True)\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    still_waiting = writer.is_alive()
    _release(pipe, writer)
    assert done.stdout == (
        "templates/pipe.yml: a named pipe, not a file; quizgen reads only regular files\n"
    )
    assert still_waiting, "quizgen opened the pipe"


def test_a_socket_is_an_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project / "templates")  # a relative name: socket paths are short
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("sock.yaml")
        monkeypatch.chdir(project)
        code, _, err = run("check", ".")
    finally:
        server.close()
    assert (code, err) == (
        1,
        "templates/sock.yaml: a socket, not a file; quizgen reads only regular files\n",
    )


# Permission errors. Root reads a file whatever its mode, and tests run as root in CI, so a
# chmod alone would pass vacuously there. As root, quizgen runs in a child that has dropped
# CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its capability bounding set (Linux): after
# exec it is root without the power to ignore permissions, and the kernel really answers
# EACCES. Only where that cannot be done (root without CAP_SETPCAP, or not Linux) is the one
# os call at the boundary made to fail instead.

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def _drop_permission_override() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _can_drop_override() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        subprocess.run(["true"], preexec_fn=_drop_permission_override, check=True, timeout=30)
    except (subprocess.SubprocessError, OSError):
        return False
    return True


def check_without_permission(
    root: Path, denied: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    """`quizgen check .` where `denied` (already chmod-ed) really cannot be read."""
    if os.geteuid() != 0:
        return check_in_child(root)
    if _can_drop_override():
        return check_in_child(root, _drop_permission_override)
    # Last resort, for root without CAP_SETPCAP: fail the single call that opens or lists it.
    real_open, real_scandir = os.open, os.scandir

    def refuse(path: object) -> None:
        if Path(os.fspath(path)).absolute() == denied.absolute():  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    def fake_open(path: object, *args: object, **kwargs: object) -> int:
        refuse(path)
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    def fake_scandir(path: object) -> object:
        refuse(path)
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(yamlio.os, "open", fake_open)
    monkeypatch.setattr(yamlio.os, "scandir", fake_scandir)
    monkeypatch.chdir(root)
    code, _, err = run("check", ".")
    return code, err


def test_an_unreadable_file_is_an_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = project / "sources" / "secret.yaml"
    shutil.copy(project / "sources" / "muesli.yaml", victim)
    victim.write_text(victim.read_text().replace("id: muesli", "id: secret", 1))
    victim.chmod(0)
    try:
        code, err = check_without_permission(project, victim, monkeypatch)
    finally:
        victim.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert (code, err) == (1, "sources/secret.yaml: cannot read: Permission denied\n")


def test_an_unlistable_sources_folder_is_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project / "sources"
    folder.chmod(stat.S_IWUSR | stat.S_IXUSR)  # no read: its names cannot be listed
    try:
        code, err = check_without_permission(project, folder, monkeypatch)
    finally:
        folder.chmod(stat.S_IRWXU)
    assert (code, err) == (1, "sources: cannot read: Permission denied\n")
