"""tests/ci_skips.py: under CI=true a skipped test fails the run; otherwise a skip is a skip.
Each case runs a real pytest in a subprocess and reads its exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent

PASSES = "def test_a():\n    pass\n"
CASES = {
    "skips": {
        "test_skips.py": PASSES + "\n\nimport pytest\n\n\n"
        "@pytest.mark.skip(reason='no browser')\ndef test_b():\n    pass\n"
    },
    "passes": {"test_passes.py": PASSES},
    "xfails": {
        "test_xfails.py": "import pytest\n\n@pytest.mark.xfail(reason='known', strict=True)\n"
        "def test_a():\n    assert False\n"
    },
    "skips_module": {
        "test_passes.py": PASSES,
        "test_skips_module.py": "import pytest\n\npytest.skip('no', allow_module_level=True)\n",
    },
    "fails": {"test_fails.py": "def test_a():\n    assert False\n"},
}


def run_pytest(tmp_path: Path, case: str, ci: str | None) -> subprocess.CompletedProcess[str]:
    for name, text in CASES[case].items():
        (tmp_path / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugin under test, and fast
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "ci_skips", "-p", "no:cacheprovider",
         str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("case", "ci", "code"),
    [
        ("skips", "true", 1),
        ("skips_module", "true", 1),
        ("skips", None, 0),
        ("passes", "true", 0),
        ("xfails", "true", 0),
        ("fails", "true", 1),
    ],
)
def test_exit_status(tmp_path, case, ci, code):
    result = run_pytest(tmp_path, case, ci)
    assert result.returncode == code, result.stdout + result.stderr
    named = "CI=true: 1 skipped test(s) fail the run; every test must run in CI: "
    assert (named in result.stdout) == (code == 1 and case != "fails")
    if case == "skips" and ci == "true":
        assert named + "test_skips.py::test_b\n" in result.stdout


def test_quizgen_tests_use_the_plugin(pytestconfig):
    assert "ci_skips" in {
        getattr(p, "__name__", "") for p in pytestconfig.pluginmanager.get_plugins()
    }
