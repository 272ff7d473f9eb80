from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from shopops.access import audience_of
from shopops.roles import ROLE_PERMISSIONS
from shopops.selectors import memberships_for_user


class MeShopSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    name = serializers.CharField()
    role = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())


class MeAgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    audience = serializers.ChoiceField(choices=["console", "partner", "staff"])
    shops = MeShopSerializer(many=True)
    agency = MeAgencySerializer(allow_null=True)


class MeApi(APIView):
    """The signed-in user, the shops they belong to with their role there, and their agency if any."""

    @extend_schema(responses=MeOutputSerializer, operation_id="me_retrieve")
    def get(self, request):
        user = request.user
        shops = [
            {
                "public_id": m.shop.public_id,
                "name": m.shop.name,
                "role": m.role,
                "permissions": sorted(ROLE_PERMISSIONS[m.role]),
            }
            for m in memberships_for_user(user=user)
        ]
        membership = getattr(user, "agency_membership", None)
        agency = {"id": membership.agency_id, "name": membership.agency.name} if membership else None
        data = {"username": user.username, "audience": audience_of(user), "shops": shops, "agency": agency}
        return Response(MeOutputSerializer(data).data)


@method_decorator(login_not_required, name="dispatch")
class TokenApi(ObtainAuthToken):
    """Exchange a username and password for an API token (failed attempts count towards the lockout)."""
