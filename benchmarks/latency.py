"""Landing-to-alert latency on the real Airflow: a new day landed -> webhook received.

`make bench` runs it after benchmarks/run.py. Airflow standalone (scripts/airflow-standalone.sh,
the `make airflow` configuration) runs on a temporary home with a local webhook receiver.

A team's year (``realreach generate --scenario scale``: 200 accounts x 365 days on all four
platforms, the shape of an outside landing folder) is dropped and processed once to warm up.
Then each round drops ONE new day: every account's next pulls (~250 files), in which one X
account's followers jumped — a bought burst completed by the latest pull — and measures from
the moment the day's last file is renamed into landing until that account's alert reaches the
webhook. Nobody triggers anything: the landing watch in the triggerer does. The X accounts take
turns, so every round is a new spike, hence a new alert.

``--accounts 4 --days 60 --sample`` keeps the old small run (the full simulator's X sample, one
users pull a round) for a quick look.

Numbers go to bench-results/latency.json (p50, p95, every round, and the stages of the
Airflow runs from the metadata DB). Targets (issue 11, 200 accounts, idle machine):
p50 <= 15 s, p95 <= 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from realreach.airflow_local import LocalAirflow, WebhookReceiver  # noqa: E402
from realreach_core.home import Home  # noqa: E402
from realreach_sim import generate  # noqa: E402

TARGET_P50_S, TARGET_P95_S = 15.0, 30.0
BURST_SHARE = 0.25
WARMUP_TIMEOUT_S = 1800  # followers bought in one day, as a share of the audience


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low, high = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def move_into(staging: Path, landing: Path) -> None:
    """Complete files renamed into place, as a sync tool does."""
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = landing / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def idle(airflow_home: Path) -> bool:
    """No DAG run queued or running (the previous round is completely over)."""
    with sqlite3.connect(airflow_home / "airflow.db") as con:
        (busy,) = con.execute(
            "select count(*) from dag_run where state in ('queued', 'running')"
        ).fetchone()
    return busy == 0


def wait_idle(airflow_home: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    settled = 0
    while time.monotonic() < deadline:
        settled = settled + 1 if idle(airflow_home) else 0
        if settled >= 3:  # idle on three looks in a row: nothing about to be queued either
            return
        time.sleep(1)
    raise TimeoutError("Airflow still busy")


def task_windows(airflow_home: Path, since: float) -> dict[str, tuple[float, float]]:
    """(start, end) as Unix times of each task of the round, from the metadata DB."""
    cutoff = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(airflow_home / "airflow.db") as con:
        rows = con.execute(
            "select task_id, start_date, end_date from task_instance "
            "where start_date >= ? and end_date is not null order by start_date",
            (cutoff,),
        ).fetchall()

    def unix(value: str) -> float:
        at = datetime.fromisoformat(value)
        return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()

    return {task_id: (unix(start), unix(end)) for task_id, start, end in rows}


def path_breakdown(
    windows: dict[str, tuple[float, float]], alert_at: float, latency: float
) -> dict[str, float | None]:
    """Where the latency went. The alert leaves from inside ``ingest_and_build`` (between its
    alert path and the rest of the build), so the work on its path is that task up to the
    alert; what is left is orchestration (the watch's poll, creating the run, starting the
    task's process)."""
    task = windows.get("ingest_and_build")
    if task is None or not task[0] <= alert_at:
        return {"task_to_alert_s": None, "orchestration_s": None}
    to_alert = alert_at - task[0]
    return {"task_to_alert_s": round(to_alert, 1), "orchestration_s": round(latency - to_alert, 1)}


class ScaleDays:
    """The scale generator's next days, all accounts at once, one X account jumping each day."""

    def __init__(self, base: Path, accounts: int, start: date, first_day: int) -> None:
        from realreach_sim.scale import roster

        self.base, self.accounts, self.start, self.day = base, accounts, start, first_day
        self.x_accounts = [a.account_id for a in roster(accounts, SCALE_SEED) if a.platform == "x"]
        if not self.x_accounts:
            raise ValueError("the scale roster has no X account: use more accounts")

    def next(self, jumping: int, home: Home) -> tuple[Path, str, int]:
        """(folder holding the day's files, account id of the jump, files) of the next day."""
        from realreach_sim.scale import write_scale

        staging = self.base / f"day-{self.day}"
        result = write_scale(staging, accounts=self.accounts, days=[self.day], start=self.start,
                             seed=SCALE_SEED, registry=False)  # fmt: skip
        quiet = quiet_accounts(home, self.x_accounts, self.start + timedelta(days=self.day))
        account = quiet[jumping % len(quiet)]
        (pull,) = (staging / "x" / "users").glob(f"{account}_*.json")
        body = json.loads(pull.read_text())
        metrics = body["data"][0]["public_metrics"]
        metrics["followers_count"] += max(5_000, int(metrics["followers_count"] * BURST_SHARE))
        pull.write_text(json.dumps(body))
        self.day += 1
        return staging, account, result.files


def quiet_accounts(home: Home, accounts: list[str], day: date) -> list[str]:
    """Accounts without a spike episode in the week before ``day``: a jump on an account whose
    episode is still open would extend it (same spike_id, already alerted), not raise a new
    alert. From the published marts, before the drop (not part of the measured time)."""
    from realreach.transform import open_bi_database

    if not home.bi_database.exists():
        return accounts
    with open_bi_database(home.bi_database) as con:
        busy = {
            row[0]
            for row in con.execute(
                "select account_id from marts.follower_spikes "
                "where platform = 'x' and spike_end >= ?",
                [day - timedelta(days=7)],
            ).fetchall()
        }
    return [a for a in accounts if a not in busy] or accounts


class Pulls:
    """New daily users pulls continuing the generated sample, one account jumping each time."""

    def __init__(self, landing: Path) -> None:
        latest = sorted((landing / "x" / "users").glob("*.json"))[-1]
        self.stamp = datetime.strptime(latest.stem, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        self.body = json.loads(latest.read_text())

    def next(self, jumping: int) -> tuple[str, bytes, str]:
        """(file name, body, account id of the jump) of the next day's pull."""
        self.stamp += timedelta(days=1)
        users = self.body["data"]
        user = users[jumping % len(users)]
        metrics = user["public_metrics"]
        metrics["followers_count"] += max(5_000, int(metrics["followers_count"] * BURST_SHARE))
        name = self.stamp.strftime("%Y%m%dT%H%M%SZ") + ".json"
        return name, json.dumps(self.body).encode(), str(user["id"])


SCALE_SEED = 7


def drop(staging: Path, landing: Path) -> float:
    """Renames a day's files into landing; returns when the last one was complete there."""
    move_into(staging, landing)
    return time.time()


def run(
    rounds: int, accounts: int, days: int, out: Path, keep: bool = False, sample: bool = False
) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="realreach-latency-"))
    home = Home(base / "home").ensure()
    hook = WebhookReceiver()
    airflow = LocalAirflow(
        realreach_home=home.root,
        airflow_home=base / "airflow",
        env={
            "REALREACH_ALERT_WEBHOOK": hook.url,
            # The sample ends in the past so new pulls can follow it; freshness checks must
            # not call that stale (they would fail quality_gate, beside the measured path).
            "REALREACH_FRESHNESS_HOURS": str(24 * (rounds + 4)),
        },
    )
    # The year ends `rounds` days ago, so every new day is dated in the past.
    end = datetime.now(UTC).date() - timedelta(days=rounds + 2)
    start = end - timedelta(days=days - 1)
    if sample:
        generate(base / "staging", accounts=accounts, days=days, seed=11, end=end,
                 labels_path=base / "labels.json")  # fmt: skip
    else:
        from realreach_sim.scale import write_scale

        write_scale(base / "staging", accounts=accounts, days=range(days), start=start,
                    seed=SCALE_SEED)  # fmt: skip
    started = time.perf_counter()
    airflow.start()
    results: dict[str, Any] = {"rounds": []}
    try:
        airflow.wait_healthy()
        results["airflow_ready_s"] = round(time.perf_counter() - started, 1)
        warm = time.time()
        move_into(base / "staging", home.landing)
        # the warm-up ingests and builds the whole year (minutes at 200 accounts, and the watch
        # may split the drop into several runs): its own, longer bound
        hook.wait_for(1, timeout=WARMUP_TIMEOUT_S)
        wait_idle(airflow.airflow_home, timeout=WARMUP_TIMEOUT_S)
        results["warmup_first_alert_s"] = (
            round(hook.received[0].at - warm, 1) if hook.received else None
        )
        results["warmup_alerts"] = len(hook.received)
        pulls = None if not sample else Pulls(home.landing)
        days_ahead = None if sample else ScaleDays(base / "days", accounts, start, days)
        for n in range(rounds):
            before = len(hook.received)
            if pulls is not None:
                name, body, account = pulls.next(jumping=n)
                tmp = home.landing / "x" / "users" / f".{name}.part"
                tmp.write_bytes(body)
                files = 1
                dropped = time.time()
                os.replace(tmp, tmp.with_name(name))  # the moment the file is complete
            else:
                assert days_ahead is not None
                staging, account, files = days_ahead.next(jumping=n, home=home)
                name = staging.name
                dropped = drop(staging, home.landing)
            fresh = _wait_for_account(hook, before, account)
            latency = round(fresh.at - dropped, 1) if fresh else None
            wait_idle(airflow.airflow_home)
            windows = task_windows(airflow.airflow_home, dropped)
            tasks = {t: round(end - start, 1) for t, (start, end) in windows.items()}
            path = (
                path_breakdown(windows, fresh.at, latency)
                if fresh and latency is not None
                else {"task_to_alert_s": None, "orchestration_s": None}
            )
            round_ = {"file": name, "files": files, "account": account, "latency_s": latency,
                      "alerts": len(hook.received) - before, "tasks_s": tasks, **path,
                      "load_average_1m": round(os.getloadavg()[0], 1)}  # fmt: skip
            results["rounds"].append(round_)
            print(json.dumps(round_), flush=True)
    finally:
        airflow.stop()
        hook.close()
        if keep:
            print(f"homes kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    latencies = [r["latency_s"] for r in results["rounds"] if r["latency_s"] is not None]
    results.update(
        rounds_measured=len(latencies),
        rounds_without_alert=len(results["rounds"]) - len(latencies),
        p50_s=round(statistics.median(latencies), 1) if latencies else None,
        p95_s=round(percentile(latencies, 0.95), 1) if latencies else None,
        orchestration_p50_s=statistics.median(
            [r["orchestration_s"] for r in results["rounds"] if r["orchestration_s"] is not None]
            or [0.0]
        ),
        max_s=max(latencies) if latencies else None,
        target_p50_s=TARGET_P50_S,
        target_p95_s=TARGET_P95_S,
        sample={
            "accounts": accounts,
            "days": days,
            "kind": "simulator X sample" if sample else "scale, all platforms",
        },
        load_average=os.getloadavg(),
        poll_seconds=float(os.environ.get("REALREACH_LANDING_POLL_SECONDS") or 2),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return results


def _wait_for_account(hook: WebhookReceiver, before: int, account: str, timeout: float = 600):
    """The first alert after ``before`` about ``account`` (other accounts' new spikes of the
    same day may come first), or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = len(hook.received)
        for received in hook.received[before:seen]:
            if str(received.body.get("account_id")) == account:
                return received
        hook.wait_for(seen + 1, timeout=max(0.1, min(5.0, deadline - time.monotonic())))
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--sample",
        action="store_true",
        help="the simulator's small X sample (try --accounts 4 --days 60)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "latency.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes")
    args = parser.parse_args()
    results = run(args.rounds, args.accounts, args.days, args.out, args.keep, args.sample)
    print(
        f"landing -> webhook over {results['rounds_measured']} drops: "
        f"p50 {results['p50_s']} s (target {TARGET_P50_S:.0f}), "
        f"p95 {results['p95_s']} s (target {TARGET_P95_S:.0f}); "
        f"{results['rounds_without_alert']} drop(s) without alert; written to {args.out}"
    )


if __name__ == "__main__":
    main()
