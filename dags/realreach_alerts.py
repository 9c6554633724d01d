"""Alert once per suspicious follower spike, on every configured channel."""

from airflow.sdk import dag, task

from realreach import orchestration as rr


@dag(
    dag_id="realreach_alerts",
    schedule=[rr.CHECKS],
    doc_md=__doc__,
    **rr.DAG_DEFAULTS,
)
def realreach_alerts() -> None:
    @task(outlets=[rr.ALERTS])
    def raise_alerts(*, outlet_events=None) -> dict:
        return rr.alert(outlet_events)

    raise_alerts()


realreach_alerts()
