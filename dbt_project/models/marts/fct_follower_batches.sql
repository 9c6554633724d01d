-- Batches of followers who followed together, from each account's audited followers list
-- (see int_follower_batches_detected); audit_scope says how much of the list was read.
with lists as (
    select distinct
        platform,
        account_id,
        listed_pages
    from {{ ref('int_follower_lists_ranked') }}
)

select
    batches.platform,
    batches.account_id,
    account_names.handle,
    batches.batch_id,
    batches.first_position,
    batches.last_position,
    batches.followers,
    batches.created_from,
    batches.created_to,
    batches.followed_from,
    batches.followed_to,
    batches.fake_share,
    batches.fake_followers_est,
    batches.verdict,
    batches.pulled_at,
    batches.audited_followers,
    case
        when lists.listed_pages > {{ var('batch_max_pages') }}
            then
                'newest ' || {{ var('batch_max_pages') }} || ' of '
                || lists.listed_pages || ' pages audited ('
                || {{ fmt_int('batches.audited_followers') }} || ' followers)'
        else
            'whole list pulled audited ('
            || {{ fmt_int('batches.audited_followers') }} || ' followers)'
    end as audit_scope
from {{ ref('int_follower_batches_detected') }} as batches
left join lists
    on
        batches.platform = lists.platform
        and batches.account_id = lists.account_id
left join {{ ref('int_account_names_latest') }} as account_names
    on
        batches.platform = account_names.platform
        and batches.account_id = account_names.account_id
