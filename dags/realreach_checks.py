"""Validate what changed with Great Expectations: first the spike mart's own suites (SPIKES
starts the alerts DAG at once), then the slower quality suites of the lake and the other marts,
publishing the marts when they passed (write-audit-publish: BI sees only audited marts).

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
    @task(outlets=[rr.SPIKES])
    def check_spikes(*, outlet_events=None) -> dict:
        return rr.check_spikes(outlet_events)

    @task(outlets=[rr.CHECKS])
    def check_quality(*, outlet_events=None, triggering_asset_events=None) -> dict:
        return rr.check(outlet_events, triggering_asset_events)

    @task(retries=0)
    def quality_gate(checks: dict) -> None:
        rr.quality_gate(checks)

    spikes = check_spikes()
    checks = check_quality()
    spikes >> checks
    quality_gate(checks)


realreach_checks()
