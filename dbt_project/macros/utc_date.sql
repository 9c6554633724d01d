{#- The UTC calendar date of a timestamptz, independent of the session time zone. -#}
{% macro utc_date(column) -%}
    cast(({{ column }} at time zone 'UTC') as date)
{%- endmacro %}
