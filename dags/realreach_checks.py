"""Validate what changed with Great Expectations' quality suites (the lake batches and the
marts the build rewrote) and publish the marts when they passed (write-audit-publish: BI sees
only audited marts). The spike mart's own suites ran in the build, before its alerts.

``quality_gate`` fails the run when a quality suite failed.
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
    def check_quality(*, outlet_events=None, triggering_asset_events=None) -> dict:
        return rr.check(outlet_events, triggering_asset_events)

    @task(retries=0)
    def quality_gate(checks: dict) -> None:
        rr.quality_gate(checks)

    quality_gate(check_quality())


realreach_checks()
