"""`realreach generate --scenario scale`: the outside set's shape, written in pieces identically."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from realreach_sim.scale import write_scale

START = date(2026, 1, 1)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_an_account_year_has_the_outside_shape(tmp_path: Path) -> None:
    result = write_scale(tmp_path, accounts=8, days=range(365), start=START, seed=3, workers=1)
    per_account = (result.files - 1) / 8
    assert 450 <= per_account <= 550, per_account
    assert 0.6e6 <= result.bytes / 8 <= 1.4e6, result.bytes / 8
    platforms = {rel.split("/")[0] for rel in _files(tmp_path) if "/" in rel}
    assert platforms == {"x", "instagram", "facebook", "linkedin"}


def test_a_held_back_week_written_later_gives_the_same_files(tmp_path: Path) -> None:
    whole, pieces = tmp_path / "whole", tmp_path / "pieces"
    write_scale(whole, accounts=5, days=range(30), start=START, seed=9, workers=1)
    write_scale(pieces, accounts=5, days=[*range(10), *range(17, 30)], start=START, seed=9)
    assert _files(pieces) != _files(whole)
    write_scale(pieces, accounts=5, days=range(10, 17), start=START, seed=9, registry=False)
    assert _files(pieces) == _files(whole)
