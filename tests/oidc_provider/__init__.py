"""A real OpenID Connect provider for the tests: a small Django project running django-oidc-provider,
started as its own server process (see harness.py). The portal's single sign-on tests sign in
through it over HTTP, as they would through Keycloak, Okta or Entra ID."""
