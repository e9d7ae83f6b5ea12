from django.urls import path

from leanprogram.reports import views

app_name = "reports"

urlpatterns = [
    path("pilots/<int:pilot_pk>/plan.pdf", views.plan_pdf_download, name="plan_pdf"),
    path(
        "programmes/<int:pk>/report.pdf",
        views.programme_report_download,
        name="programme_report_pdf",
    ),
]
