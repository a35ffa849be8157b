"""Single sign-on with OpenID Connect (mozilla-django-oidc), and the LOCAL_LOGIN switch for passwords.

config.py reads the OIDC_* settings (imported by settings.py, so it imports nothing from Django's
apps); provider.py fetches the provider's discovery document; backends.py and views.py run the login;
services.py creates the user and sets their roles from the groups claim.
"""
