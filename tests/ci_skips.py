"""A pytest plugin: when CI=true, a skipped test fails the run.

A test that skips because something is missing (a browser, a tool) tests nothing, and in CI
that must be fixed, not reported in passing: the run's exit status becomes 1 and the summary
names the skipped tests. Locally (CI unset) skips stay skips. Expected failures (xfail) are
not skips. Enabled for quizgen's tests by tests/conftest.py; `.ci/run` sets CI=true.
"""

from __future__ import annotations

import os

import pytest


class SkipsFailTheRun:
    """Collects the skipped tests of one session and fails the session if there are any."""

    def __init__(self) -> None:
        self.skipped: list[str] = []

    def _note(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skipped.append(report.nodeid or "(collection)")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._note(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._note(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.skipped and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.skipped:
            terminalreporter.write_line(
                f"CI=true: {len(self.skipped)} skipped test(s) fail the run; every test must "
                "run in CI: " + ", ".join(self.skipped),
                red=True,
            )


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI", "").lower() == "true":
        config.pluginmanager.register(SkipsFailTheRun(), "quizgen-skips-fail-ci")
