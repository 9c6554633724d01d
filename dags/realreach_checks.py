"""Validate the marts with Great Expectations, publish them when the data-quality suites
passed (write-audit-publish: BI sees only audited marts), and count suspicious follower spikes.

``run_checks`` announces the spike count on the checks asset whatever the suites said (the
alerts DAG behaves like ``realreach run``); ``quality_gate`` fails the run when a suite failed.
"""

from airflow.sdk import dag, task

from realreach import orchestration as rr


@dag(
    dag_id="realreach_checks",
    schedule=[rr.MARTS],
    doc_md=__doc__,
    **rr.DAG_DEFAULTS,
)
def realreach_checks() -> None:
    @task(outlets=[rr.CHECKS])
    def run_checks(*, outlet_events=None, triggering_asset_events=None) -> dict:
        return rr.check(outlet_events, triggering_asset_events)

    @task(retries=0)
    def quality_gate(checks: dict) -> None:
        rr.quality_gate(checks)

    quality_gate(run_checks())


realreach_checks()
