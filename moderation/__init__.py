"""Moderation desk: items, 48-hour deadlines, substitutes, preservation (issue 4)."""
