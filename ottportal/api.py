"""The REST API's root: `/api/v1/`. Each app registers its viewsets on `router`."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from audiences.api import AudienceViewSet, SuppressionViewSet
from messages.api import DeliveryViewSet, DraftViewSet, SendViewSet
from ottportal.tokens import NAME_MAX_LENGTH, api_token_create
from senders.api import SenderViewSet

API_SIGN_IN_NAME = "API sign-in"


class TokenRequestSerializer(AuthTokenSerializer):
    username = serializers.CharField(min_length=1, write_only=True)
    password = serializers.CharField(min_length=1, trim_whitespace=False, write_only=True)
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NAME_MAX_LENGTH,
        help_text=f"What the token is for, shown on your API tokens page (default “{API_SIGN_IN_NAME}”).",
    )
    token = serializers.CharField(read_only=True, help_text="Send it as `Authorization: Token <key>`.")
    expires_at = serializers.DateTimeField(read_only=True)


class TokenView(APIView):
    """Exchange a username and password for a new API token (`Authorization: Token <key>`). Each call
    makes a new token that expires after API_TOKEN_TTL_DAYS; it is listed, and can be revoked, on the
    user's API tokens page. For a pipeline, make one named token there instead of signing in each run."""

    # The password is the credential here: an `Authorization: Token` header (an expired token, say) is
    # not looked at. A session still is, so that a browser's POST needs its CSRF token.
    authentication_classes = (SessionAuthentication,)
    permission_classes = ()
    throttle_classes = ()
    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer, responses=TokenRequestSerializer)
    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_LOGIN:
            raise PermissionDenied(
                "Passwords are turned off on this portal (LOCAL_LOGIN=false), so this endpoint gives no "
                "tokens: sign in through single sign-on and make one on your API tokens page (/account/tokens/)."
            )
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        name = serializer.validated_data.get("name", "").strip() or API_SIGN_IN_NAME
        try:
            token, key = api_token_create(user=user, name=name)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response({"token": key, "name": token.name, "expires_at": token.expiry})


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
