{#- Replay for the evaluation's detection delay: var detect_as_of maps 'platform:account_id' to
    an ISO date; data of that account after the date is hidden, as if the pipeline ran that
    evening. Empty (the default) hides nothing. -#}
{% macro detect_as_of(platform, account_id, day) -%}
    {%- set as_of = var('detect_as_of', {}) -%}
    {%- if as_of is mapping and as_of -%}
        {{ day }} <= case {{ platform }} || ':' || {{ account_id }}
        {%- for key, value in as_of.items() %}
            when '{{ key }}' then date '{{ value }}'
        {%- endfor %}
            else date '9999-12-31'
        end
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
