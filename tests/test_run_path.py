"""A run's path through `curtain run`: no pandas, the manifest's git lookup beside the
simulation, and the process ending at once after its files are written."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from sim import runner

from .conftest import ROOT


def test_the_executable_prints_everything_before_it_ends_at_once(tmp_path):
    """`curtain run` ends with os._exit after the files are written: its output, sent down
    a pipe, must still arrive whole, and the folder be complete."""
    out = tmp_path / "run"
    curtain = [sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "site_c.toml")]
    done = subprocess.run(
        [*curtain, "--days", "20", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "response rate" in done.stdout
    assert done.stdout.rstrip().endswith(f"to {out}")
    assert (out / "manifest.json").exists() and (out / "events.parquet").exists()
    failed = subprocess.run(
        [*curtain, "--days", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert failed.returncode == 2 and failed.stderr.startswith("curtain: error:")


def test_a_run_writes_its_files_without_importing_pandas(tmp_path):
    """`curtain run` builds and writes its tables without pandas; Mesa's core imports pandas
    for functions Curtain does not call, and they still work (sim.mesa_core)."""
    code = (
        "import sys\nfrom sim.cli import main\n"
        f"main(['run', {str(ROOT / 'scenarios' / 'site_b.toml')!r}, '--days', '30', "
        f"'--out', {str(tmp_path / 'run')!r}])\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
        "import mesa.agent\n"
        "assert mesa.agent.pd.Series is __import__('pandas').Series\n"
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("ok")
    assert pd.read_parquet(tmp_path / "run" / "stories.parquet")["stage"].notna().all()


def test_a_lookup_started_early_answers_as_one_made_now():
    now = runner.git_commit()
    runner.start_git_commit()
    assert runner.git_commit() == now
    assert runner._git_lookup is None  # answered once, then gone


def test_no_commit_outside_a_git_checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "__file__", str(tmp_path / "sim" / "runner.py"))
    (tmp_path / "sim").mkdir()
    runner.start_git_commit()
    assert runner.git_commit() is None
    assert runner.git_commit() is None


def test_the_pandas_stand_in_gives_the_real_pandas_whenever_asked():
    """While Mesa's core is imported pandas is a stand-in; a name asked of it, then or later,
    is the real pandas' (a fresh interpreter, where pandas is not imported yet)."""
    code = (
        "import sys\nfrom sim.mesa_core import _stand_ins\n"
        "with _stand_ins():\n"
        "    import pandas as early\n"
        "    assert type(early).__name__ == '_ImportedOnUse'\n"
        "    from pandas import DataFrame\n"
        "import pandas\n"
        "assert DataFrame is pandas.DataFrame and early.Series is pandas.Series\n"
        "assert type(sys.modules['pandas']).__name__ == 'module'\n"
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
