"""The layer below every domain app: shared guards and record rules that organisation,
notifications, accounts, activityplans, moderation and archive all build on. It imports
none of them."""
