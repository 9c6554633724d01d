{#- A whole number with thousands separators, for evidence written in words ("6,950"). -#}
{% macro fmt_int(expression) -%}
    format('{:,}', cast(round({{ expression }}) as bigint))
{%- endmacro %}
