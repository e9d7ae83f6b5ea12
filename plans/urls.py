from django.urls import path

from plans.views import board, edit, gains, indicators, matrix, plan, suggestions, workflow

app_name = "plans"

urlpatterns = [
    path("pilots/<int:pilot_pk>/plan/", plan.plan_detail, name="plan_detail"),
    path("pilots/<int:pilot_pk>/plan/edit/", edit.plan_edit, name="plan_edit"),
    path(
        "pilots/<int:pilot_pk>/plan/edit/<slug:section>/",
        edit.plan_edit_section,
        name="plan_edit_section",
    ),
    path("pilots/<int:pilot_pk>/plan/history/", plan.plan_history, name="plan_history"),
    path("pilots/<int:pilot_pk>/plan/submit/", workflow.plan_submit, name="plan_submit"),
    path("pilots/<int:pilot_pk>/plan/review/", workflow.plan_review, name="plan_review"),
    path("pilots/<int:pilot_pk>/plan/matrix/", matrix.plan_matrix, name="plan_matrix"),
    path("pilots/<int:pilot_pk>/plan/board/", board.plan_board, name="plan_board"),
    path("measures/<int:pk>/status/", board.measure_set_status, name="measure_set_status"),
    path(
        "pilots/<int:pilot_pk>/plan/board/screens/",
        board.board_screen_create,
        name="board_screen_create",
    ),
    path("board-screens/<int:pk>/withdraw/", board.board_screen_revoke, name="board_screen_revoke"),
    path(
        "pilots/<int:pilot_pk>/suggestions/",
        suggestions.pilot_suggestions,
        name="pilot_suggestions",
    ),
    path("suggestions/<int:pk>/", suggestions.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/answer/", suggestions.suggestion_answer, name="suggestion_answer"),
    path(
        "suggestions/<int:pk>/measure/", suggestions.suggestion_measure, name="suggestion_measure"
    ),
    path("indicators/<int:pk>/", indicators.indicator_detail, name="indicator_detail"),
    path("measurements/<int:pk>/edit/", indicators.measurement_edit, name="measurement_edit"),
    path("measurements/<int:pk>/delete/", indicators.measurement_delete, name="measurement_delete"),
    path("programmes/<int:pk>/gains/", gains.programme_gains, name="programme_gains"),
]
