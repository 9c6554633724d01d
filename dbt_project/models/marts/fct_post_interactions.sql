-- Latest known metrics per post (see int_post_metrics_latest for the mapping).
select
    platform,
    account_id,
    post_id,
    posted_at,
    post_type,
    is_quote,
    likes,
    comments,
    shares,
    saves,
    clicks,
    impressions,
    reach,
    interactions,
    first_observed_at,
    metrics_observed_at
from {{ ref('int_post_metrics_latest') }}
