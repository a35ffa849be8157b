"""No models of its own: this module makes Django send ottportal the post_migrate signal (see apps.py)."""
