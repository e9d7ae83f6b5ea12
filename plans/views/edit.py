# PLACEHOLDER written by the lead so the URLconf imports while this module is being built.
# The helper who owns this file replaces it entirely.
from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


plan_detail = plan_edit = plan_history = plan_submit = plan_review = _todo
plan_matrix = plan_board = measure_set_status = indicator_detail = programme_gains = _todo
