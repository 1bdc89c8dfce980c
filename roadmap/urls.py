from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from preferences.views import set_language
from roadmap import admin_workbooks, twofactor, views
from roadmap.auth import SiteAuthenticationForm

admin.site.site_header = _("Roadmap Tracker administration")
admin.site.site_title = _("Roadmap Tracker admin")
admin.site.index_title = _("Reference data, plans and users")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    # Sign-in, sign-out and password change only: no password reset by e-mail (administrators reset
    # passwords in the admin), so no page but sign-in is open to anonymous visitors.
    path(
        "accounts/login/",
        twofactor.SignInView.as_view(authentication_form=SiteAuthenticationForm),
        name="login",
    ),
    path("accounts/login/code/", twofactor.verify, name="two_factor_verify"),
    path("accounts/two-factor/", twofactor.manage, name="two_factor"),
    path("accounts/two-factor/enrol/", twofactor.enrol, name="two_factor_enrol"),
    path(
        "accounts/two-factor/backup-codes/",
        twofactor.backup_codes,
        name="two_factor_backup_codes",
    ),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/login/", views.admin_login),
    path("admin/logout/", views.SignOutView.as_view()),
    path("admin/reference-workbook/", include(admin_workbooks)),
    path("admin/", admin.site.urls),
    path("reporting/", include("reporting.urls")),
    path("", include("plans.urls")),
]

# Server errors, and the database being away (503): plain pages that need no database.
handler500 = "roadmap.errors.server_error"
