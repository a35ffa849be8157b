"""The messages app's pages: drafts (the composer), sends, and the delivery history."""
