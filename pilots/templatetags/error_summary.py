"""`{% error_summary form formset ... %}`: the GOV.UK error summary for any page's forms.

Load it with `{% load error_summary %}`, put the tag above the form, and add
`<script src="{% static 'js/error_summary.js' %}" defer></script>` to the page's scripts block.
"""

from django import template

from pilots.error_summary import error_items

register = template.Library()


@register.inclusion_tag("components/_error_summary.html")
def error_summary(*things, title: str = "", intro: str = ""):
    return {"items": error_items(*things), "title": title, "intro": intro}
