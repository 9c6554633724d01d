-- Latest known metrics per post, every platform in one vocabulary (see
-- int_post_observations_unioned for the mapping), with the account's owner and role.
-- Incremental: only the posts int_posts_invalidated names are recomputed (whole).
-- depends_on: {{ ref('int_posts_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_posts() }}",
    post_hook="{{ refresh_account_names() }}",
) }}
select
    posts.platform,
    posts.account_id,
    posts.post_id,
    posts.posted_at,
    posts.post_type,
    posts.is_quote,
    posts.likes,
    posts.comments,
    posts.shares,
    posts.saves,
    posts.clicks,
    posts.impressions,
    posts.reach,
    posts.interactions,
    posts.metrics_sources,
    posts.first_observed_at,
    posts.metrics_observed_at,
    account_names.handle,
    account_names.owner,
    account_names.role
from {{ ref('int_post_metrics_latest') }} as posts
left join {{ ref('int_account_names_latest') }} as account_names
    on posts.platform = account_names.platform and posts.account_id = account_names.account_id
{%- if is_incremental() %}
    where {{ in_invalidated_posts('posts') }}
{%- endif %}
