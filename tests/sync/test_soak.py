"""The seeded soak of at least 200 records under mixed faults (see testing/soak.py)."""

from __future__ import annotations

import pytest

from testing.soak import run_soak


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_soak_200_records_under_mixed_faults(tmp_path, capsys):
    result = run_soak(tmp_path, records=200, seconds=45, seed=20261122)
    with capsys.disabled():
        print()
        for line in result.verdict.lines():
            print("soak:", line)
        print("soak: faults injected:", result.faults)
        print("soak:", result.summary_line())
    assert result.verdict.sealed == 200
    assert sum(result.faults.values()) >= 15, "the schedule injected too few faults to mean anything"
    assert [name for name, ok in result.checks if not ok] == []
