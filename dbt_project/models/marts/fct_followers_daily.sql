-- Daily follower counts per account, gaps filled and flagged (see int_followers_filled).
select
    platform,
    account_id,
    date,
    followers,
    followers_gained,
    followers_lost,
    net_followers,
    is_observed,
    last_observed_at
from {{ ref('int_followers_filled') }}
