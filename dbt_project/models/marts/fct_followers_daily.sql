-- Daily follower counts per account from the best evidence - observed, integrated from reported
-- net changes between absolute counts, or interpolated (count_source) -, gains and losses as the
-- platform reports them (see int_followers_filled), with the account's owner and role.
select
    followers.platform,
    followers.account_id,
    followers.date,
    followers.followers,
    followers.followers_gained,
    followers.followers_lost,
    followers.paid_followers_gained,
    followers.net_followers,
    followers.is_observed,
    followers.last_observed_at,
    followers.followers_source,
    followers.count_source,
    followers.reconciliation_residual,
    followers.reported_net_change,
    followers.changes_source,
    followers.archive_span_start,
    followers.archive_followers_gained,
    followers.archive_followers_lost,
    dim_accounts.handle,
    dim_accounts.owner,
    dim_accounts.role
from {{ ref('int_followers_filled') }} as followers
left join {{ ref('dim_accounts') }} as dim_accounts
    on followers.platform = dim_accounts.platform and followers.account_id = dim_accounts.account_id
