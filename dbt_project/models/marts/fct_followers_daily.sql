-- Daily follower counts per account from the best evidence - observed, integrated from reported
-- net changes between absolute counts, or interpolated (count_source) -, gains and losses as the
-- platform reports them (see int_followers_filled), with the account's owner and role.
-- Incremental: the account-days int_follower_days_invalidated names are recomputed.
-- depends_on: {{ ref('int_follower_days_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_days(ref('int_follower_days_invalidated')) }}",
    post_hook="{{ refresh_account_names(('handle', 'owner', 'role')) }}",
) }}
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
    account_names.handle,
    account_names.owner,
    account_names.role
from {{ ref('int_followers_filled') }} as followers
left join {{ ref('int_account_names_latest') }} as account_names
    on
        followers.platform = account_names.platform
        and followers.account_id = account_names.account_id
{%- if is_incremental() %}
    where {{ in_ranges(ref('int_follower_days_invalidated'), 'followers', 'date', 'write_from') }}
{%- endif %}
