{#- How unusual a count x is for an overdispersed (negative binomial) account, as a standard
    normal z: the NB with this mean and variance (variance = mean + alpha * mean^2, fitted by
    the method of moments from the account's own clean history) is approximated by the gamma
    distribution with the same mean and variance (shape k = mean^2 / variance), and the gamma
    upper tail by the Wilson-Hilferty cube-root normal approximation:
        z = ((x / mean)^(1/3) - (1 - 1/(9k))) / sqrt(1/(9k)),   1/(9k) = variance / (9 mean^2)
    with a continuity correction of half a follower (x - 0.5) and a mean floored at
    var('nb_min_mean') (an account expecting ~0 a day). Accurate to a factor ~2 in the tail
    probability for shape >= 0.5, conservative for small Poisson means. -#}
{% macro nb_tail_z(x, mean, variance) -%}
    (
        (
            pow(
                greatest(({{ x }}) - 0.5, 0)
                / greatest({{ mean }}, {{ var('nb_min_mean') }}),
                1.0 / 3
            )
            - (1 - ({{ variance }}) / (9 * pow(greatest({{ mean }}, {{ var('nb_min_mean') }}), 2)))
        )
        / sqrt(({{ variance }}) / (9 * pow(greatest({{ mean }}, {{ var('nb_min_mean') }}), 2)))
    )
{%- endmacro %}

{#- The standard normal upper tail P(Z >= z) (Zelen & Severo, Abramowitz-Stegun 26.2.17,
    error < 1e-7), for reporting a z as a probability. -#}
{% macro normal_upper_tail(z) -%}
    case
        when ({{ z }}) is null then null
        when ({{ z }}) < 0 then 1 - {{ _normal_tail_positive('-(' ~ z ~ ')') }}
        else {{ _normal_tail_positive(z) }}
    end
{%- endmacro %}

{% macro _normal_tail_positive(z) -%}
    (
        exp(-0.5 * pow({{ z }}, 2)) / sqrt(2 * pi())
        * (
            0.319381530 * (1 / (1 + 0.2316419 * ({{ z }})))
            - 0.356563782 * pow(1 / (1 + 0.2316419 * ({{ z }})), 2)
            + 1.781477937 * pow(1 / (1 + 0.2316419 * ({{ z }})), 3)
            - 1.821255978 * pow(1 / (1 + 0.2316419 * ({{ z }})), 4)
            + 1.330274429 * pow(1 / (1 + 0.2316419 * ({{ z }})), 5)
        )
    )
{%- endmacro %}

{#- The inverse of nb_tail_z: the count whose z is exactly z, for the same mean and variance
    (Wilson-Hilferty solved for x, continuity correction added back). The charts' upper band
    comes from it, so the band drawn is the threshold the detector applies. -#}
{% macro nb_tail_quantile(z, mean, variance) -%}
    (
        0.5 + greatest({{ mean }}, {{ var('nb_min_mean') }}) * pow(
            greatest(
                1 - ({{ variance }}) / (9 * pow(greatest({{ mean }}, {{ var('nb_min_mean') }}), 2))
                + ({{ z }}) * sqrt(
                    ({{ variance }}) / (9 * pow(greatest({{ mean }}, {{ var('nb_min_mean') }}), 2))
                ),
                0
            ),
            3
        )
    )
{%- endmacro %}
