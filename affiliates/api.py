"""The agency API, ``/api/v1/partner/``: read-only, scoped to the calling agency (affiliates.api_auth).

- ``shops/``: the agency's cooperations with shops (one row per shop).
- ``products/``: products shops promote through the agency, with the exclusive terms given to its talents.
- ``commission-orders/``: the agency's commission orders (filters, ordering), ``…/<order_id>/<sku_id>/`` one of
  them, ``…/totals/`` sums per status over the same filters.

Conventions every response keeps: money is integer fen (``*_fen``) and, beside it, the same amount as an exact
decimal string of yuan with two places (``*_yuan``, "12.34"; never a float); ratios are parts per million
(``*_ppm``, 100000 = 10%); times are ISO 8601 with their offset; statuses are the platform's codes. Lists are
cursor-paginated (``next``/``previous`` links; ``page_size`` up to 200). A filter the API cannot read answers
400 with the field's error.
"""

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from affiliates.api_auth import PARTNER_AUTHENTICATION, IsAgencyCaller
from affiliates.models import AgencyProduct, CommissionOrder, Cooperation, ExclusiveTerm, Reason
from affiliates.selectors.api import (
    commission_order_get_for_agency_or_404,
    commission_orders_in_ranges,
    exclusive_terms_by_product,
)
from affiliates.selectors.partner import commission_totals, cooperations_for_agency, products_for_agency
from shopops.forms.dates import EARLIEST_DAY, LATEST_DAY, day_out_of_range
from shopops.money import yuan_str

YUAN_SCHEMA = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "12.34"}


@extend_schema_field(YUAN_SCHEMA)
class YuanField(serializers.Field):
    """An amount of fen as exact yuan with two places, a string ("1234.56"), next to its ``*_fen`` integer."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return yuan_str(value)


# --- filters ------------------------------------------------------------------------------------------------------


class BoundedDateTimeField(serializers.DateTimeField):
    """ISO 8601; a date alone is its midnight and a time without offset is Beijing time (Asia/Shanghai). Refused
    (``out_of_range``) outside 2000-01-01 … 2099-12-31, like every date filter of ShopOps."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        earliest = timezone.make_aware(datetime.combine(EARLIEST_DAY, time.min))
        latest = timezone.make_aware(datetime.combine(LATEST_DAY, time.max))
        if not earliest <= moment <= latest:
            raise serializers.ValidationError(day_out_of_range(), code="out_of_range")  # in the caller's language
        return moment


def check_ranges(attrs: dict, *pairs: tuple[str, str]) -> dict:
    """Refuse (``range_reversed``, an error of the ``…_before`` field) a range that ends before it starts."""
    errors = {}
    for after, before in pairs:
        if after in attrs and before in attrs and attrs[before] <= attrs[after]:
            errors[before] = serializers.ErrorDetail(
                _("Must be later than %(field)s.") % {"field": after}, code="range_reversed"
            )
    if errors:
        raise serializers.ValidationError(errors)
    return attrs


class PartnerShopFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Cooperation.Status.choices, required=False)


class PartnerProductFilterSerializer(serializers.Serializer):
    shop_appid = serializers.CharField(required=False, max_length=32, help_text="The shop's AppID.")
    status = serializers.ChoiceField(choices=AgencyProduct.Status.choices, required=False)


class PartnerCommissionFilterSerializer(serializers.Serializer):
    """Filters of the commission orders and their totals. Ranges include ``…_after`` and exclude ``…_before``."""

    shop_appid = serializers.CharField(required=False, max_length=32, help_text="The shop's AppID.")
    product_id = serializers.CharField(required=False, max_length=32)
    status = serializers.ChoiceField(
        choices=CommissionOrder.Status.choices, required=False, help_text="20 not settled, 100 settled, 200 cancelled."
    )
    promoter_kind = serializers.ChoiceField(choices=CommissionOrder.Promoter.choices, required=False)
    pay_time_after = BoundedDateTimeField(required=False, help_text="Paid at or after.")
    pay_time_before = BoundedDateTimeField(required=False, help_text="Paid before.")
    created_after = BoundedDateTimeField(required=False, help_text="Created at or after.")
    created_before = BoundedDateTimeField(required=False, help_text="Created before.")

    def validate(self, attrs):
        return check_ranges(attrs, ("pay_time_after", "pay_time_before"), ("created_after", "created_before"))


# value of ``ordering`` → the commission orders' order; the id breaks ties so pages never overlap or skip
COMMISSION_ORDERINGS = {
    "-create_time": ("-create_time", "-id"),
    "create_time": ("create_time", "id"),
    "-update_time": ("-update_time", "-id"),
    "update_time": ("update_time", "id"),
}


class PartnerCommissionListFilterSerializer(PartnerCommissionFilterSerializer):
    ordering = serializers.ChoiceField(
        choices=list(COMMISSION_ORDERINGS),
        default="-create_time",
        help_text="Newest first unless asked otherwise; a minus sign means descending.",
    )


class PartnerCursorPagination(CursorPagination):
    """Cursor pages in the view's ``ordering`` (which may come from the request): stable while rows are added."""

    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-id",)

    def get_ordering(self, request, queryset, view):
        return getattr(view, "ordering", self.ordering)


class PartnerApi:
    """Every partner endpoint: an agency's key or member, read-only, cursor pages, query filters read by
    ``filter_serializer_class``."""

    authentication_classes = PARTNER_AUTHENTICATION
    permission_classes = [IsAgencyCaller]
    pagination_class = PartnerCursorPagination
    filter_serializer_class: type[serializers.Serializer] | None = None

    def filters(self) -> dict:
        """The request's filters; 400 with the fields' errors when they do not read."""
        serializer = self.filter_serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def partner_schema(*, operation_id: str, summary: str, **overrides):
    """A partner endpoint's operation in the OpenAPI schema: its id, summary, the query filters of its
    ``filter_serializer_class`` and the ``partner`` tag."""

    def decorate(view_class):
        filters = view_class.filter_serializer_class
        operation = extend_schema(
            operation_id=operation_id,
            summary=summary,
            parameters=[filters] if filters else None,
            tags=["partner"],
            **overrides,  # e.g. ``responses`` of a view without a serializer_class
        )
        return extend_schema_view(get=operation)(view_class)

    return decorate


# --- shops --------------------------------------------------------------------------------------------------------


class PartnerShopSerializer(serializers.ModelSerializer):
    gmv_yuan = YuanField(source="gmv_fen", allow_null=True)
    settled_yuan = YuanField(source="settled_fen", allow_null=True)
    unsettled_yuan = YuanField(source="unsettled_fen", allow_null=True)

    class Meta:
        model = Cooperation
        fields = [
            "id",
            "shop_appid",
            "shop_name",
            "shop_headimg_url",
            "status",
            "invited_at",
            "decided_at",
            "reject_reason",
            "gmv_fen",
            "gmv_yuan",
            "settled_fen",
            "settled_yuan",
            "unsettled_fen",
            "unsettled_yuan",
            "product_number",
            "synced_at",
        ]
        extra_kwargs = {
            "status": {
                "help_text": "1 invitation pending, 2 cooperating, 3 declined, 4 invitation cancelled, 5 ended."
            },
            "gmv_fen": {"help_text": "GMV through the agency as the platform reports it; null until synced."},
        }


@partner_schema(operation_id="partner_shops_list", summary="Shops the agency cooperates with")
class PartnerShopsApi(PartnerApi, ListAPIView):
    """The agency's cooperations with shops, oldest first; figures as the platform last reported them."""

    serializer_class = PartnerShopSerializer
    filter_serializer_class = PartnerShopFilterSerializer
    ordering = ("id",)

    def get_queryset(self):
        return cooperations_for_agency(agency=self.agency, status=self.filters().get("status"))


# --- products -----------------------------------------------------------------------------------------------------


class PartnerExclusiveTermSerializer(serializers.ModelSerializer):
    talent_appid = serializers.CharField(source="talent.talent_appid")
    talent_nickname = serializers.CharField(source="talent.nickname")
    price_yuan = YuanField(source="price_fen")
    title = serializers.CharField(source="display_title", help_text="The term's own title, else the product's.")

    class Meta:
        model = ExclusiveTerm
        fields = ["talent_appid", "talent_nickname", "price_fen", "price_yuan", "stock", "title", "image_url"]


class PartnerProductSerializer(serializers.ModelSerializer):
    shop_name = serializers.CharField(
        read_only=True, allow_null=True, help_text="From the agency's cooperation with the shop; null without one."
    )
    min_price_yuan = YuanField(source="min_price_fen", allow_null=True)
    exclusive_terms = PartnerExclusiveTermSerializer(
        many=True,
        read_only=True,
        help_text="What the shop offers the agency's bound talents (invited or cooperating, not blacklisted) for this "
        "product, cheapest first.",
    )

    class Meta:
        model = AgencyProduct
        fields = [
            "id",
            "shop_appid",
            "shop_name",
            "product_id",
            "title",
            "image_url",
            "min_price_fen",
            "min_price_yuan",
            "status",
            "ratio_ppm",
            "service_ratio_ppm",
            "start_time",
            "end_time",
            "link",
            "exclusive_terms",
            "synced_at",
        ]
        extra_kwargs = {
            "status": {"help_text": "1 listed, 2 delisted, 5 removed by the platform."},
            "ratio_ppm": {"help_text": "The promoter's commission ratio, parts per million."},
            "service_ratio_ppm": {"help_text": "The agency's service fee ratio, parts per million."},
        }


@partner_schema(operation_id="partner_products_list", summary="Products promoted through the agency")
class PartnerProductsApi(PartnerApi, ListAPIView):
    """Products shops promote through the agency, oldest first, each with its exclusive terms."""

    serializer_class = PartnerProductSerializer
    filter_serializer_class = PartnerProductFilterSerializer
    ordering = ("id",)

    def get_queryset(self):
        filters = self.filters()
        return products_for_agency(
            agency=self.agency, shop_appid=filters.get("shop_appid", ""), status=filters.get("status")
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        terms = exclusive_terms_by_product(agency=self.agency, products=page)
        for product in page:
            product.exclusive_terms = terms.get((product.shop_appid, product.product_id), [])
        return page


# --- commission orders --------------------------------------------------------------------------------------------


class PartnerCommissionOrderSerializer(serializers.ModelSerializer):
    actual_payment_yuan = YuanField(source="actual_payment_fen")
    promoter_amount_yuan = YuanField(source="promoter_amount_fen")
    service_amount_yuan = YuanField(source="service_amount_fen")
    expected_promoter_amount_yuan = YuanField(source="expected_promoter_amount_fen", allow_null=True)
    expected_service_amount_yuan = YuanField(source="expected_service_amount_fen", allow_null=True)
    difference_yuan = YuanField(source="difference_fen")
    reason = serializers.ChoiceField(
        choices=Reason.choices,
        read_only=True,
        help_text="Why the platform's amount differs from the expected one; empty when they match.",
    )

    class Meta:
        model = CommissionOrder
        fields = [
            "order_id",
            "sku_id",
            "shop_appid",
            "shop_name",
            "product_id",
            "title",
            "thumb_img",
            "status",
            "order_status",
            "create_time",
            "update_time",
            "pay_time",
            "settled_at",
            "actual_payment_fen",
            "actual_payment_yuan",
            "promotion_channel",
            "promoter_kind",
            "promoter_id",
            "promoter_nickname",
            "promoter_ratio_ppm",
            "promoter_amount_fen",
            "promoter_amount_yuan",
            "service_ratio_ppm",
            "service_amount_fen",
            "service_amount_yuan",
            "expected_promoter_amount_fen",
            "expected_promoter_amount_yuan",
            "expected_service_amount_fen",
            "expected_service_amount_yuan",
            "difference_fen",
            "difference_yuan",
            "reason",
            "self_referral",
        ]
        extra_kwargs = {
            "status": {"help_text": "20 not settled, 100 settled, 200 cancelled."},
            "actual_payment_fen": {"help_text": "What commission is computed on."},
            "service_amount_fen": {"help_text": "The agency's service fee as the platform computed it."},
            "expected_service_amount_fen": {
                "help_text": "The service fee ShopOps computes (floor of amount × ratio); null until reconciled."
            },
            "difference_fen": {"help_text": "Expected minus the platform's, promoter commission and service fee."},
            "self_referral": {"help_text": "The buyer is the 推客 who shared the product."},
        }


@partner_schema(operation_id="partner_commission_orders_list", summary="Commission orders")
class PartnerCommissionOrdersApi(PartnerApi, ListAPIView):
    """The agency's commission orders (one per order and SKU), newest first unless ``ordering`` says otherwise."""

    serializer_class = PartnerCommissionOrderSerializer
    filter_serializer_class = PartnerCommissionListFilterSerializer

    def get_queryset(self):
        filters = self.filters()
        self.ordering = COMMISSION_ORDERINGS[filters["ordering"]]
        return commission_orders_in_ranges(agency=self.agency, filters=filters)


@partner_schema(operation_id="partner_commission_order_retrieve", summary="One commission order")
class PartnerCommissionOrderApi(PartnerApi, RetrieveAPIView):
    """One of the agency's commission orders by order id and SKU id; another agency's answers 404."""

    serializer_class = PartnerCommissionOrderSerializer

    def get_object(self):
        return commission_order_get_for_agency_or_404(
            agency=self.agency, order_id=self.kwargs["order_id"], sku_id=self.kwargs["sku_id"]
        )


class PartnerCommissionStatusTotalSerializer(serializers.Serializer):
    """A ``StatusTotal`` under the names of the commission order's own amounts."""

    count = serializers.IntegerField()
    actual_payment_fen = serializers.IntegerField(source="payment_fen")
    actual_payment_yuan = YuanField(source="payment_fen")
    promoter_amount_fen = serializers.IntegerField(source="promoter_fen")
    promoter_amount_yuan = YuanField(source="promoter_fen")
    service_amount_fen = serializers.IntegerField(source="service_fen")
    service_amount_yuan = YuanField(source="service_fen")


class PartnerCommissionTotalsSerializer(serializers.Serializer):
    pending = PartnerCommissionStatusTotalSerializer(help_text="Not settled yet (status 20).")
    settled = PartnerCommissionStatusTotalSerializer(help_text="Settled (status 100).")
    cancelled = PartnerCommissionStatusTotalSerializer(help_text="Cancelled (status 200).")


@partner_schema(
    operation_id="partner_commission_orders_totals",
    summary="Commission totals per status",
    responses=PartnerCommissionTotalsSerializer,
)
class PartnerCommissionTotalsApi(PartnerApi, APIView):
    """Counts and sums of the agency's commission orders per status, over the same filters as the list."""

    filter_serializer_class = PartnerCommissionFilterSerializer

    def get(self, request):
        totals = commission_totals(commission_orders_in_ranges(agency=self.agency, filters=self.filters()))
        return Response(PartnerCommissionTotalsSerializer(totals).data)
