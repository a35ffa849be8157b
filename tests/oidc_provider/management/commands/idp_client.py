"""Register (or update) the portal as a client of the test provider."""

from django.core.management.base import BaseCommand
from oidc_provider.models import Client, ResponseType


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--secret", required=True)
        parser.add_argument("--redirect-uri", action="append", required=True)
        parser.add_argument("--post-logout-uri", action="append", default=[])

    def handle(self, *args, client_id, secret, redirect_uri, post_logout_uri, **options):
        client, _ = Client.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": "OTT Portal",
                "client_type": "confidential",
                "client_secret": secret,
                "jwt_alg": "RS256",
                "require_consent": False,
                "reuse_consent": True,
            },
        )
        client.redirect_uris = redirect_uri
        client.post_logout_redirect_uris = post_logout_uri
        client.save()
        client.response_types.set([ResponseType.objects.get(value="code")])
