"""Accessible names for the inputs of an admin changelist's `list_editable` columns.

Django renders those inputs bare inside the table cells, with no <label>: a screen reader announces
"edit text" twenty times over (WCAG 1.3.1 and 4.1.2; axe's `label` rule). The mixin names each one
after its column and its row.
"""

from typing import Any

from django.utils.text import capfirst


class LabelledListEditableMixin:
    """Mix into a ModelAdmin with `list_editable`, before admin.ModelAdmin."""

    def list_editable_row_name(self, obj: Any) -> str:
        """What the row is called in the input's name; override when __str__ is a code."""
        return str(obj)

    def get_changelist_form(self, request, **kwargs):
        form_class = super().get_changelist_form(request, **kwargs)
        row_name = self.list_editable_row_name

        class LabelledChangelistForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for field in self.fields.values():
                    label = f"{capfirst(field.label)}: {row_name(self.instance)}"
                    field.widget.attrs["aria-label"] = label

        return LabelledChangelistForm
