"""The REST API's root: `/api/v1/`. Each app registers its viewsets on `router`."""

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied
from rest_framework.routers import DefaultRouter

from audiences.api import AudienceViewSet, SuppressionViewSet
from messages.api import DeliveryViewSet, DraftViewSet, SendViewSet
from senders.api import SenderViewSet


class TokenView(ObtainAuthToken):
    """Exchange a username and password for the API token (`Authorization: Token <key>`). Refused (403)
    when passwords are turned off (`LOCAL_LOGIN=false`)."""

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(min_length=1), "password": serializers.CharField(min_length=1)},
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_LOGIN:
            raise PermissionDenied(
                "Passwords are turned off on this portal (LOCAL_LOGIN=false), so this endpoint gives no "
                "tokens: sign in through single sign-on instead."
            )
        return super().post(request, *args, **kwargs)


router = DefaultRouter()
router.register("senders", SenderViewSet, basename="sender")
router.register("drafts", DraftViewSet, basename="draft")
router.register("sends", SendViewSet, basename="send")
router.register("deliveries", DeliveryViewSet, basename="delivery")
router.register("audiences", AudienceViewSet, basename="audience")
router.register("suppressions", SuppressionViewSet, basename="suppression")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    *router.urls,
]
