from __future__ import annotations

from django.urls import path

from plans.views import dashboard, lists, updates, workbooks

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("countries/", lists.countries, name="countries"),
    path("countries/<str:iso3>/", dashboard.country, name="country"),
    path("countries/<str:iso3>/plan.xlsx", workbooks.plan_workbook, name="plan_workbook"),
    path("countries/<str:iso3>/import/", workbooks.import_plan, name="plan_import"),
    path("actions/", lists.actions, name="actions"),
    path("actions/<int:pk>/", lists.action_detail, name="action"),
    path("actions/<int:pk>/status/", updates.record_status, name="action_status"),
    path("actions/<int:pk>/kpis/<int:kpi_pk>/values/", updates.record_kpi_value, name="kpi_value"),
    path("milestones/<int:pk>/done/", updates.complete_milestone, name="milestone_done"),
    path("milestones/<int:pk>/reopen/", updates.reopen_milestone, name="milestone_reopen"),
]
