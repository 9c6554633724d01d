-- Followers per account, judged as first seen (see int_follower_profiles_scored).
select
    profiles.platform,
    profiles.account_id,
    account_names.handle,
    profiles.follower_id,
    profiles.username,
    profiles.observed_at,
    profiles.quality_score,
    profiles.is_suspicious,
    profiles.reasons,
    profiles.known_signals
from {{ ref('int_follower_profiles_scored') }} as profiles
left join {{ ref('int_account_names_latest') }} as account_names
    on profiles.platform = account_names.platform and profiles.account_id = account_names.account_id
