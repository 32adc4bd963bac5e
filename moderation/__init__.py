"""Moderation desk: items, 48-hour deadlines, substitutes, preservation."""
