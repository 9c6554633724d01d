-- Followers per account, judged as first seen (see int_follower_profiles_scored).
select
    profiles.platform,
    profiles.account_id,
    dim_accounts.handle,
    profiles.follower_id,
    profiles.username,
    profiles.observed_at,
    profiles.quality_score,
    profiles.is_suspicious,
    profiles.reasons,
    profiles.known_signals
from {{ ref('int_follower_profiles_scored') }} as profiles
left join {{ ref('dim_accounts') }} as dim_accounts
    on profiles.platform = dim_accounts.platform and profiles.account_id = dim_accounts.account_id
