-- Latest known metrics per post, every platform in one vocabulary (see
-- int_post_observations_unioned for the mapping), with the account's owner and role.
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
    dim_accounts.handle,
    dim_accounts.owner,
    dim_accounts.role
from {{ ref('int_post_metrics_latest') }} as posts
left join {{ ref('dim_accounts') }} as dim_accounts
    on posts.platform = dim_accounts.platform and posts.account_id = dim_accounts.account_id
