"""Smoke test of the benchmark runner: every scenario runs end to end on tiny sizes.

The figures themselves are not checked because a shared CI machine makes them noise.
The test checks that each scenario still produces a numeric row, so the runner cannot
rot unnoticed.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

from bench.runner import RESULTS_END, RESULTS_START

REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCENARIOS = (
    "0. Load generator",
    "1. Per-request overhead",
    "2. Slow upstream",
    "3. Huge query",
    "4. Refresh storm",
    "5. Workers",
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("bench-out")
    results_file = tmp_path_factory.mktemp("bench-results") / "RESULTS.md"
    results_file.write_text(f"Intro kept.\n\n{RESULTS_START}\nold figures\n{RESULTS_END}\n\nFindings kept.\n")
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--out", str(out_dir), "--results", str(results_file)],
        cwd=REPO_DIR, capture_output=True, text=True, timeout=240, check=False,
    )
    return completed, out_dir, results_file


def table_rows(stdout):
    """Return the table's data rows as lists of cells, without the header and separator."""
    lines = [line for line in stdout.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


@pytest.mark.slow
def test_runner_exits_cleanly(tiny_run):
    completed, _, _ = tiny_run
    assert completed.returncode == 0, completed.stderr[-3000:]


@pytest.mark.slow
def test_table_has_every_scenario(tiny_run):
    completed, _, _ = tiny_run
    rows = table_rows(completed.stdout)
    for scenario in SCENARIOS:
        figures = [row[2] for row in rows if row[0] == scenario]
        assert figures, f"no row for {scenario!r} in:\n{completed.stdout}"
        for figure in figures:
            assert re.search(r"\d", figure), f"{scenario!r} row has no number: {figure!r}"


@pytest.mark.slow
def test_targets_are_judged(tiny_run):
    completed, _, _ = tiny_run
    rows = table_rows(completed.stdout)
    statuses = {row[4] for row in rows}
    assert statuses <= {"met", "missed", "info"}, statuses
    judged = [row for row in rows if row[4] in ("met", "missed")]
    assert len(judged) >= 10, completed.stdout


@pytest.mark.slow
def test_storm_and_query_complete(tiny_run):
    """The correctness parts of the scenarios hold even on tiny sizes."""
    _, out_dir, _ = tiny_run
    results = json.loads((out_dir / "results.json").read_text())["results"]
    storm = results["refresh_storm"]
    assert storm["succeeded"] == storm["requests"], storm
    assert storm["refresh_calls"] == 1, storm
    download = results["huge_query"]["download"]
    assert download["status"] == 200, download
    assert download["markers"] == results["huge_query"]["rows"], download


@pytest.mark.slow
def test_outputs_are_written(tiny_run):
    _, out_dir, _ = tiny_run
    report = (out_dir / "report.md").read_text()
    assert "Command: `python -m bench --tiny" in report
    assert "nproc" in report
    if importlib.util.find_spec("matplotlib"):
        assert (out_dir / "throughput-latency.png").stat().st_size > 1000
    else:
        assert "No plot: matplotlib is not installed" in report


@pytest.mark.slow
def test_no_server_left_running(tiny_run):
    _, out_dir, _ = tiny_run
    groups = json.loads((out_dir / "results.json").read_text())["results"]["process_groups"]
    assert len(groups) >= 6, groups
    for group in groups:
        # Signal 0 only checks existence: the group is gone once every process in it exited.
        with pytest.raises(ProcessLookupError):
            os.killpg(group, 0)


@pytest.mark.slow
def test_results_file_updated_in_place(tiny_run):
    _, _, results_file = tiny_run
    text = results_file.read_text()
    assert text.startswith("Intro kept.")
    assert text.rstrip().endswith("Findings kept.")
    assert "old figures" not in text
    assert "| 4. Refresh storm |" in text
    assert text.count(RESULTS_START) == 1
    if importlib.util.find_spec("matplotlib"):
        assert (results_file.parent / "throughput-latency.png").exists()
