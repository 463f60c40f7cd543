"""REST API v1 routes, under /api/v1/ in the `meetings` namespace."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.APIRootView = views.RootView
router.register("meetings", views.MeetingViewSet, basename="api-meeting")
router.register("events", views.EventViewSet, basename="api-event")
router.register("formats", views.FormatViewSet, basename="api-format")
router.register("participants", views.ParticipantViewSet, basename="api-participant")
router.register("venues", views.VenueViewSet, basename="api-venue")
router.register("delegations", views.DelegationViewSet, basename="api-delegation")
router.register("documents", views.DocumentViewSet, basename="api-document")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's set-up as a script file: no inline script (CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="meetings:api-schema"),
        name="api-docs",
    ),
    *router.urls,
    # Last: any other address ending in a slash is a JSON 404 (without the slash, Django's
    # APPEND_SLASH redirect still applies first).
    re_path(r"^(?P<path>(?s:.*)/)$", views.not_found),
]
