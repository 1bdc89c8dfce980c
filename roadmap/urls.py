from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from roadmap import views

admin.site.site_header = "Roadmap Tracker administration"
admin.site.site_title = "Roadmap Tracker admin"
admin.site.index_title = "Reference data, plans and users"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("plans.urls")),
]
