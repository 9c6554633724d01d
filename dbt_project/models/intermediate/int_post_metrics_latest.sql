-- One row per post with its latest known metrics, mapped onto the cross-platform vocabulary
-- (see int_post_observations_unioned for the mapping).
-- Incremental: only the posts int_posts_invalidated names are recomputed (whole).
-- depends_on: {{ ref('int_posts_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_posts() }}",
) }}
with observations as (
    select * from {{ ref('int_post_observations_unioned') }}
    {%- if is_incremental() %}
        where {{ in_invalidated_posts() }}
    {%- endif %}
),

-- what a post is: from the latest observation that says (the activity CSV says no type)
attributes as (
    select
        platform,
        post_id,
        min(observed_at) as first_observed_at,
        {{ last_observed('posted_at') }} as posted_at,
        {{ last_observed('post_type') }} as post_type,
        {{ last_observed('is_quote') }} as is_quote,
        string_agg(distinct metrics_source, '+' order by metrics_source) as metrics_sources
    from observations
    group by platform, post_id
),

latest as (
    select * from {{ ref('int_post_metrics_daily_filled') }}
    {%- if is_incremental() %}
        where {{ in_invalidated_posts() }}
    {%- endif %}
    qualify row_number() over (partition by platform, post_id order by date desc) = 1
)

select
    latest.platform,
    latest.account_id,
    latest.post_id,
    attributes.posted_at,
    coalesce(attributes.post_type, 'original') as post_type,
    coalesce(attributes.is_quote, false) as is_quote,
    latest.likes,
    latest.comments,
    latest.shares,
    latest.saves,
    latest.clicks,
    latest.impressions,
    latest.reach,
    latest.interactions,
    attributes.metrics_sources,
    attributes.first_observed_at,
    latest.observed_at as metrics_observed_at
from latest
inner join attributes
    on latest.platform = attributes.platform and latest.post_id = attributes.post_id
