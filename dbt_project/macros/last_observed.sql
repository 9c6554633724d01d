{#- A post's metric as last observed; at the same observation time the API's value wins
    (X analytics CSVs give the posting time to the minute), then the larger: the same pick
    whatever order the rows are read in, so a full and an incremental build agree. -#}
{% macro last_observed(column) -%}
    arg_max({{ column }}, row(observed_at, metrics_source = 'x_tweets', {{ column }})) filter (
        where {{ column }} is not null
    )
{%- endmacro %}
