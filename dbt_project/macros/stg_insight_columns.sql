{#- The long insight columns shared by Instagram and Facebook insights (schemas.py _INSIGHT). -#}
{% macro stg_insight_columns() %}
    cast(metric as varchar) as metric,
    cast(source_metric as varchar) as source_metric,
    cast(period as varchar) as period,
    cast(end_time as timestamptz) as end_time,
    cast(value_date as date) as value_date,
    cast(value as double) as metric_value,
    cast(value_json as varchar) as value_json
{%- endmacro %}
