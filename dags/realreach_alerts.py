"""Alert once per suspicious follower spike, on every configured channel, as soon as the spike
mart's own suites passed (the SPIKES asset), without waiting for the quality suites."""

from airflow.sdk import dag, task

from realreach import orchestration as rr


@dag(
    dag_id="realreach_alerts",
    schedule=[rr.SPIKES],
    doc_md=__doc__,
    **rr.DAG_DEFAULTS,
)
def realreach_alerts() -> None:
    @task(outlets=[rr.ALERTS])
    def raise_alerts(*, outlet_events=None) -> dict:
        return rr.alert(outlet_events)

    raise_alerts()


realreach_alerts()
