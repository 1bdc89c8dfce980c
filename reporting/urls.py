from __future__ import annotations

from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("review/", views.review_queue, name="review"),
    path("review/approve/", views.approve_many, name="approve_many"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/approve/", views.approve, name="approve"),
    path("submissions/<int:pk>/return/", views.return_, name="return"),
    path("submissions/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("submissions/<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("mine/", views.my_submissions, name="mine"),
    path("countries/<str:iso3>/", views.country_report, name="country"),
    path("cycles/open/", views.open_cycle, name="open_cycle"),
    path("cycles/<int:pk>/close/", views.close_cycle, name="close_cycle"),
    path("actions/<int:pk>/status/", views.submit_status, name="submit_status"),
    path("actions/<int:pk>/no-change/", views.submit_no_change, name="submit_no_change"),
    path("actions/<int:pk>/kpis/<int:kpi_pk>/", views.submit_kpi, name="submit_kpi"),
    path("milestones/<int:pk>/done/", views.submit_milestone, name="submit_milestone"),
]
