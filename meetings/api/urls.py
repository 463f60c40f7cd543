"""REST API v1 routes (filled in by the API work)."""

urlpatterns: list = []
