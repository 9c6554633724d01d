{#- on-run-end: the warehouse's build watermark (realreach/build_state.py) moves to the
    change-log seq this build applied, written by dbt in the warehouse it just built, and
    only when every model and seed built (a failed test still means the tables were written;
    a failed model means its changes are applied again next time). -#}
{% macro record_build_state(results) %}
    {%- set failed = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type in ('model', 'seed', 'snapshot')
            and result.status not in ('success', 'pass') -%}
            {%- do failed.append(result.node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if execute and not failed and not flags.WHICH in ('docs', 'compile', 'show') -%}
        create or replace table main.realreach_build_state as
        select built_seq, project_hash, current_timestamp as built_at
        from read_parquet('{{ changes_file("state") }}')
    {%- endif -%}
{% endmacro %}
