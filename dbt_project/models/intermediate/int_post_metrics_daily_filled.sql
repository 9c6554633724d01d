-- One row per post per UTC day it was observed, with each metric's cumulative value as last
-- known by the end of that day: a metric one source leaves out (X archive tweets have no
-- impressions) keeps the value another source gave (the activity CSV), so sources merge.
-- Incremental: only the posts int_posts_invalidated names are recomputed (whole).
-- depends_on: {{ ref('int_posts_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_posts() }}",
) }}
-- At one observation time the API's value wins (metrics_source), then the larger: the same
-- pick whatever order the rows are read in (a full and an incremental build agree).
with end_of_day as (
    select
        platform,
        post_id,
        {{ utc_date('observed_at') }} as date,
        any_value(account_id) as account_id,
        max(observed_at) as observed_at,
        arg_max(likes, row(observed_at, metrics_source = 'x_tweets', likes)) filter (
            where likes is not null
        ) as likes,
        arg_max(comments, row(observed_at, metrics_source = 'x_tweets', comments)) filter (
            where comments is not null
        ) as comments,
        arg_max(shares, row(observed_at, metrics_source = 'x_tweets', shares)) filter (
            where shares is not null
        ) as shares,
        arg_max(saves, row(observed_at, metrics_source = 'x_tweets', saves)) filter (
            where saves is not null
        ) as saves,
        arg_max(clicks, row(observed_at, metrics_source = 'x_tweets', clicks)) filter (
            where clicks is not null
        ) as clicks,
        arg_max(impressions, row(observed_at, metrics_source = 'x_tweets', impressions)) filter (
            where impressions is not null
        ) as impressions,
        arg_max(reach, row(observed_at, metrics_source = 'x_tweets', reach)) filter (
            where reach is not null
        ) as reach
    from {{ ref('int_post_observations_unioned') }} as observations
    {%- if is_incremental() %}
        where {{ in_invalidated_posts('observations') }}
    {%- endif %}
    group by platform, post_id, {{ utc_date('observed_at') }}
),

carried as (
    select
        platform,
        account_id,
        post_id,
        date,
        observed_at,
        last_value(likes ignore nulls) over so_far as likes,
        last_value(comments ignore nulls) over so_far as comments,
        last_value(shares ignore nulls) over so_far as shares,
        last_value(saves ignore nulls) over so_far as saves,
        last_value(clicks ignore nulls) over so_far as clicks,
        last_value(impressions ignore nulls) over so_far as impressions,
        last_value(reach ignore nulls) over so_far as reach
    from end_of_day
    window so_far as (
        partition by platform, post_id order by date
        rows between unbounded preceding and current row
    )
)

select
    *,
    -- interactions = likes + comments + shares + saves (clicks are not interactions)
    coalesce(likes, 0)
    + coalesce(comments, 0)
    + coalesce(shares, 0)
    + coalesce(saves, 0) as interactions
from carried
