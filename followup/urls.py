# PLACEHOLDER written by the lead so the URLconf imports; the follow-up helper replaces it.
app_name = "followup"
urlpatterns: list = []
