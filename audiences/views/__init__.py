"""The audiences and suppression list pages."""
