{#- Fails for rows with a negative value; nulls pass (null means "not reported"). -#}
{% test not_negative(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < 0
{% endtest %}
