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
with end_of_day as (
    select
        platform,
        post_id,
        {{ utc_date('observed_at') }} as date,
        any_value(account_id) as account_id,
        max(observed_at) as observed_at,
        {{ last_observed('likes') }} as likes,
        {{ last_observed('comments') }} as comments,
        {{ last_observed('shares') }} as shares,
        {{ last_observed('saves') }} as saves,
        {{ last_observed('clicks') }} as clicks,
        {{ last_observed('impressions') }} as impressions,
        {{ last_observed('reach') }} as reach
    from {{ ref('int_post_observations_unioned') }}
    {%- if is_incremental() %}
        where {{ in_invalidated_posts() }}
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
