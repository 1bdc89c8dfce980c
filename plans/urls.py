from __future__ import annotations

from django.urls import path

from plans.views import dashboard, lists

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("countries/", lists.countries, name="countries"),
    path("countries/<str:iso3>/", dashboard.country, name="country"),
    path("actions/", lists.actions, name="actions"),
    path("actions/<int:pk>/", lists.action_detail, name="action"),
]
