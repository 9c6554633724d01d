-- Followers per account, judged as first seen (see int_follower_profiles_scored).
select
    platform,
    account_id,
    follower_id,
    username,
    observed_at,
    quality_score,
    is_suspicious,
    reasons,
    known_signals
from {{ ref('int_follower_profiles_scored') }}
