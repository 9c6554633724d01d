"""Deliver what the build's alerts still owe, with the tasks' retries, and redraw the report,
whenever the spike mart's own suites ran (the SPIKES asset). The build delivers new alerts
itself, as soon as those suites passed: this DAG is not on the alert's path."""

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
