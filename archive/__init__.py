"""Semiannual PDF/A snapshots and archive packages for kommunarkivet."""
