"""Comments straight from the platforms: one adapter per platform (base.Adapter), one
way in for what they deliver (services.receive), whatever the platform.

A platform either pushes (Meta's webhooks: meta.MetaAdapter, received by
views.meta_webhook) or is polled (Mastodon's notifications: mastodon.MastodonAdapter,
read by mastodon.poll_account). Both hand services.receive a list of base.Incoming
events; it stores each once (moderation.models.PlatformEvent, unique per event), maps
it to its account by the page id recorded on the account (Account.platform_page_id),
and turns a new comment into an item in triage and a later edit or removal into a
version of that item.
"""
