{#- The long insight columns shared by Instagram and Facebook insights (schemas.py _INSIGHT). -#}
{% macro stg_insight_columns() %}
    cast(metric as varchar) as metric,
    cast(source_metric as varchar) as source_metric,
    cast(period as varchar) as period,
    cast(end_time as timestamptz) as end_time,
    -- the day a value describes: the Pacific day ending at end_time, rounded to the NEAREST
    -- Pacific midnight, so an end_time written with a fixed -07:00 offset all year (an hour
    -- early in winter, 23:00 PST) still names the right day instead of the one before
    coalesce(
        cast(timezone('America/Los_Angeles', cast(end_time as timestamptz)) + interval 12 hour as date)
        - 1,
        cast(value_date as date)
    ) as value_date,
    cast(value as double) as metric_value,
    cast(value_json as varchar) as value_json
{%- endmacro %}
