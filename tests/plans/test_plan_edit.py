from django.urls import reverse

from tests.plans import edit_url, form_data


def test_smoke(client, cast):
    client.force_login(cast.users.tore)
    r = client.get(reverse("plans:plan_detail", kwargs={"pilot_pk": cast.pilot_a.pk}))
    print(r.status_code)
    r = client.get(edit_url(cast.pilot_a))
    print(r.status_code)
    data = form_data(r)
    print(data)
    r = client.post(edit_url(cast.pilot_a), {**data, "add_measures": "1"})
    print(r.status_code)
    data = form_data(r)
    print(data)
    data["measures-0-title"] = "Ring"
    data["current_state"] = "<script>alert(1)</script>"
    r = client.post(edit_url(cast.pilot_a), data)
    print(r.status_code, r.content.decode()[:3000] if r.status_code != 302 else "")
    r = client.get(reverse("plans:plan_detail", kwargs={"pilot_pk": cast.pilot_a.pk}))
    print(r.content.decode())
    r = client.get(reverse("plans:plan_history", kwargs={"pilot_pk": cast.pilot_a.pk}))
    print(r.content.decode())
