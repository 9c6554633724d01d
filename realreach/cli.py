"""The ``realreach`` command line (see shared/spec/CONTRACT.md)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, timedelta
from pathlib import Path

from realreach_core.home import PLATFORMS, Home
from realreach_core.locking import LockTimeout
from realreach_core.settings import Settings, SettingsError, load_settings


def _verbose_arg(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # -v before or after the subcommand: a subparser's default must not undo the top level's
    parser.add_argument(
        "-v", "--verbose", action="store_true",
        default=False if top else argparse.SUPPRESS, help="log details",
    )  # fmt: skip


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("realreach")
    except PackageNotFoundError:  # run from a source tree without installing
        return "unknown"


def _home_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home",
        help="realreach home (default: $REALREACH_HOME, else ./.realreach)",
    )


def _generate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platforms", nargs="+", default=list(PLATFORMS), choices=PLATFORMS,
        help="platforms to generate (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--scenario", choices=("default", "eval", "scale"), default="default",
        help="'eval': a dense, balanced mix of labelled events for measuring detection; "
        "'scale' (generate only): the shape of a real team's daily pulls, ~500 files and 1 MB "
        "per account-year, fast, no labels (realreach_sim/scale.py; for benchmarks)",
    )  # fmt: skip
    # Simulator assumptions (realreach_sim.assumptions); left out, the usual ones.
    parser.add_argument(
        "--noise-alpha", type=float, default=None, metavar="A",
        help="organic daily gains: variance mu + A*mu^2 (negative binomial; 0 = Poisson)",
    )  # fmt: skip
    parser.add_argument(
        "--viral-follows-per-interaction", type=float, default=None, metavar="R",
        help="genuine follows per interaction on a viral post",
    )  # fmt: skip
    parser.add_argument(
        "--cadence", choices=("daily", "weekly", "missing"), default=None,
        help="absolute counts daily; weekly (with daily gains reported); or daily with missed days",
    )  # fmt: skip
    parser.add_argument(
        "--purchase-factors", type=float, nargs=2, default=None, metavar=("LOW", "HIGH"),
        help="scenario eval: bought per day relative to a normal day, log-uniform in [LOW, HIGH]",
    )  # fmt: skip


def _assumptions(args: argparse.Namespace):
    from realreach_sim.assumptions import Assumptions

    given = {
        "noise_alpha": args.noise_alpha,
        "viral_follows_per_interaction": args.viral_follows_per_interaction,
        "cadence": args.cadence,
        "purchase_factors": tuple(args.purchase_factors) if args.purchase_factors else None,
    }
    return Assumptions(**{k: v for k, v in given.items() if v is not None})


def _wait_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not seconds >= 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds ≥ 0")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="realreach",
        description="Social media analytics that separate real reach from bought followers.",
    )
    _verbose_arg(parser, top=True)
    parser.add_argument("--version", action="version", version=f"realreach {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="write a realistic sample into landing and run once")
    _home_arg(demo)
    demo.add_argument("--accounts", type=int, default=8)
    demo.add_argument("--days", type=int, default=90)
    demo.add_argument("--seed", type=int, default=7)
    _generate_options(demo)

    run = sub.add_parser("run", help="process everything new in landing")
    _home_arg(run)
    run.add_argument(
        "--rebuild", action="store_true", help="rebuild the marts even if nothing changed"
    )
    for command in (run, demo):
        command.add_argument(
            "--alert-since", type=date.fromisoformat, metavar="YYYY-MM-DD",
            help="alert only on spikes starting on or after this date (default: "
            "$REALREACH_ALERT_SINCE, else every spike)",
        )  # fmt: skip
        command.add_argument(
            "--wait", type=_wait_seconds, metavar="SECONDS",
            help="give up (exit 3) when another run holds this home longer than this "
            "(default: $REALREACH_RUN_WAIT_SECONDS, else 600)",
        )  # fmt: skip

    retract = sub.add_parser(
        "quarantine",
        help="retract an ingested landing file: its rows stop counting at the next build",
    )
    _home_arg(retract)
    retract.add_argument("file", help="the landing file (path under landing/, or absolute)")
    retract.add_argument("--reason", help="why, kept with the retraction")

    report = sub.add_parser(
        "report", help="write the offline HTML report from the exported marts (HOME/report)"
    )
    _home_arg(report)
    report.add_argument(
        "--out", type=Path, help="report folder (default: HOME/report, written after every run)"
    )

    docs = sub.add_parser("docs", help="build dbt's docs (catalog and lineage) into HOME/docs/dbt")
    _home_arg(docs)

    gen = sub.add_parser("generate", help="write synthetic exports plus labels.json")
    gen.add_argument("--out", required=True, type=Path, help="landing folder to write into")
    gen.add_argument("--accounts", type=int, default=8)
    gen.add_argument("--days", type=int, default=90)
    gen.add_argument("--seed", type=int, default=7)
    _generate_options(gen)
    gen.add_argument(
        "--labels",
        type=Path,
        help="where labels.json goes, outside OUT (default: beside OUT, OUT/../labels.json)",
    )
    for command in (demo, gen):
        command.add_argument(
            "--end", type=date.fromisoformat, help="last simulated UTC date (default: yesterday)"
        )
    for command in sub.choices.values():
        _verbose_arg(command)
    return parser


def _existing_home(given: str | None) -> Home:
    """``run`` and ``report`` work on a home that exists: a mistyped --home is an error, not
    an empty pipeline run (``demo`` creates its home)."""
    home = Home.resolve(given)
    if not home.root.is_dir():
        raise HomeMissing(f"home {home.root} does not exist (mistyped --home or $REALREACH_HOME?)")
    return home


class HomeMissing(ValueError):
    pass


def _landing_is_empty(home: Home) -> bool:
    if not home.landing.is_dir():
        return True
    return not any(p.is_file() for p in home.landing.rglob("*"))


def _spike_who(spike: dict) -> str:
    """@handle (owner) on platform, else platform/account_id."""
    if not spike.get("handle"):
        return f"{spike['platform']}/{spike['account_id']}"
    owner = f" ({spike['owner']})" if spike.get("owner") else ""
    return f"@{spike['handle']}{owner} on {spike['platform']}"


def _print_run(home: Home, report, labels: Path | None = None) -> None:
    from realreach.summary import read_summary
    from realreach_sim.evaluation import evaluate

    checks = report.checks
    if not (home.marts_export / "dim_accounts.parquet").exists():
        print(f"\nrealreach — {home.root}: no marts published yet (data-quality suites failed)")
        return
    summary = read_summary(home)
    quality = [s for s in checks.suites if s.purpose != "spikes"]
    passed = sum(1 for s in quality if s.success)
    print()
    print(f"realreach — {home.root}")
    print(
        f"  accounts      {summary.accounts} over {summary.days} days ({summary.first_day} … {summary.last_day})"
    )
    print(
        f"  ingested      {report.ingest.files_ingested} files, {report.ingest.rows:,} rows "
        f"({report.ingest.files_skipped} already in, {report.ingest.files_quarantined} quarantined, "
        f"{report.ingest.files_waiting} still being written: next run)"
    )
    print(f"  marts built   {len(summary.marts)}: {', '.join(summary.marts)}")
    if report.build.skipped:
        print(
            "  dbt           nothing changed since the last build: marts kept (run --rebuild to force)"
        )
    else:
        print(
            f"  dbt           {report.build.models_ok} models, {report.build.tests_passed} tests passed, "
            f"{report.build.tests_failed} failed"
        )
    print(
        f"  checks        {passed}/{len(quality)} data-quality suites passed, "
        f"{len(checks.suspicious_spikes)} suspicious spike(s) found (findings, not failures)"
        + ("" if checks.data_quality_ok else "  (data-quality problems: see Data Docs)")
    )
    for suite in quality:
        if not suite.success:
            print(f"    - {suite.name}: {suite.failed} of {suite.evaluated} expectations failed")
    print(f"  spikes        {len(summary.spikes)} found, {len(summary.suspicious)} suspicious")
    for spike in summary.suspicious[:10]:
        print(
            f"    ! {_spike_who(spike)} {spike['spike_start']}"
            f"…{spike['spike_end']}: {spike['reasons']}"
        )
    alerts = report.alerts
    if alerts.before_since:
        print(
            f"  not alerted   {alerts.before_since} suspicious spike(s) start before the since date"
        )
    print(
        f"  alerts        {alerts.new} new, {alerts.already_known} already raised, "
        f"{alerts.withdrawn} withdrawn, {alerts.now_suspicious} suspicious again → {home.alerts_file}"
    )
    for name, sent in alerts.delivered.items():
        owed = alerts.undelivered.get(name, 0)
        print(f"    {name}: {sent} message(s) sent" + (f", {owed} still owed" if owed else ""))
    for name, why in alerts.skipped.items():
        print(f"    {name}: skipped, {why}")
    if checks.data_docs_index:
        print(f"  data docs     {checks.data_docs_index}")
    from realreach.report.build import report_folder

    if report.report is not None:
        print(f"  report        {report.report.index}")
    elif (index := report_folder(home) / "index.html").exists():
        print(f"  report        {index} (unchanged: the published marts are the same)")
    print(f"  BI            {home.bi_database} (read-only) or {home.marts_export}/*.parquet")
    if labels and labels.exists():
        print(f"  detection     {evaluate(labels, summary.spikes).summary()}")
    print(f"  took          {report.elapsed_s:.1f}s")  # fmt: skip


#: How old a landing file must be before `realreach run` takes it (younger ones may still be
#: being written and wait for the next run), unless REALREACH_LANDING_SETTLE_SECONDS is set.
RUN_SETTLE_SECONDS = 2.0


def landing_settle_seconds(settings: Settings) -> float:
    # The watch's default is the same (realreach.landing_watch.DEFAULT_SETTLE_SECONDS).
    configured = settings.landing_settle_seconds
    return RUN_SETTLE_SECONDS if configured is None else configured


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from realreach.pipeline import PipelineError, run_pipeline

    # Every REALREACH_* variable is checked before any work starts.
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"realreach: {exc}", file=sys.stderr)
        return 2
    for problem in settings.describe_problems():
        print(f"realreach: warning: {problem}", file=sys.stderr)
    try:
        if args.command == "generate" and args.scenario == "scale":
            from realreach_sim.scale import write_scale

            end = args.end or (date.today() - timedelta(days=1))
            print(write_scale(args.out, accounts=args.accounts, days=range(args.days),
                              start=end - timedelta(days=args.days - 1), seed=args.seed))  # fmt: skip
            return 0
        if args.command == "generate":
            from realreach_sim import generate

            result = generate(
                args.out, accounts=args.accounts, days=args.days, seed=args.seed,
                platforms=args.platforms, end=args.end, labels_path=args.labels,
                scenario=args.scenario, assumptions=_assumptions(args),
            )  # fmt: skip
            print(result)
            return 0
        if args.command != "demo":
            home = _existing_home(args.home)
        else:
            home = Home.resolve(args.home).ensure()
        if args.command == "quarantine":
            from ingestion.retract import retract

            done = retract(home.ensure(), args.file, args.reason)
            print(
                f"retracted {done.path} ({len(done.versions)} version(s)); the next "
                "`realreach run` rebuilds the marts without its rows; drop a corrected file "
                "into landing to replace it"
            )
            return 0
        if args.command == "run" and _landing_is_empty(home) and not args.rebuild:
            # nothing arrived: no empty marts built, no alerts, a clear word instead
            print(f"nothing to ingest in {home.landing}")
            return 0
        home.ensure()
        if args.command == "docs":
            from realreach.transform import build_docs

            print(f"dbt docs: {build_docs(home)}")
            return 0
        if args.command == "report":
            from realreach.report import write_report

            result = write_report(home, args.out)
            print(
                f"report: {result.accounts} accounts, {result.spikes} spikes, "
                f"{result.bytes_written / 1e6:.1f} MB → {result.index}"
            )
            return 0
        labels = None
        if args.command == "demo":
            from realreach_sim import generate

            labels = home.root / "labels.json"
            print(
                f"writing a sample of {args.accounts} accounts × {args.days} days into {home.landing}"
            )
            generate(
                home.landing,
                accounts=args.accounts,
                days=args.days,
                seed=args.seed,
                labels_path=labels,
                platforms=args.platforms,
                end=args.end,
                scenario=args.scenario,
                assumptions=_assumptions(args),
            )
        wait = settings.run_wait_seconds if args.wait is None else args.wait
        report = run_pipeline(
            home,
            rebuild=getattr(args, "rebuild", False),
            wait=wait,
            # a demo's files were written and closed just now; `run` leaves young files
            settle_seconds=0.0 if args.command == "demo" else landing_settle_seconds(settings),
            alert_since=args.alert_since,
        )
        _print_run(home, report, labels)
        return 0
    except LockTimeout as exc:
        print(f"realreach: {exc}; another run is still busy with this home", file=sys.stderr)
        return 3
    except PipelineError as exc:
        print(f"realreach: {exc}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"realreach: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
