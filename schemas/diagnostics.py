"""A design-linter finding (docs/design.md §4).

A `Diagnostic`'s fields are its machine-readable form — code, severity, path, and the message and
hint in English — and `model_dump()` / ``--json`` give exactly them. Reading ``d.message`` or
``d.hint`` renders them in the current language (`resattn.i18n`) from the message ids and
parameters the linter kept (`resattn.i18n.text.Text`), so a finding computed once and cached
shows in whatever language the page or the command line uses when it is displayed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from resattn.i18n import N_, _
from resattn.i18n.text import Text

Severity = Literal["error", "warning", "info"]


class Diagnostic(BaseModel):
    """One finding of the design linter; errors block build and export, warnings never do."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Annotated[str, Field(description=N_("Stable code, e.g. 'RA101'."))]
    severity: Annotated[Severity, Field(description=N_("error | warning | info."))]
    path: Annotated[str, Field(description=N_("JSON path of the field the finding is about."))]
    message: Annotated[str, Field(description=N_("What is wrong, in plain language."))]
    hint: Annotated[str, Field(description=N_("How to fix it."))]
    ref: Annotated[str, Field(description=N_("The notes section it cites, e.g. '§12.2'."))]

    #: The message and hint as catalog messages (None: built from plain English strings).
    _texts: Optional[tuple[Text, Text]] = PrivateAttr(default=None)

    @classmethod
    def of(
        cls,
        *,
        code: str,
        severity: str,
        path: str,
        message: Union[Text, str],
        hint: Union[Text, str],
        ref: str,
    ) -> Diagnostic:
        """A diagnostic whose message and hint render in the language current when read; its
        fields (and JSON) hold their English."""
        texts = (Text.of(message), Text.of(hint))
        made = cls(
            code=code,
            severity=severity,
            path=path,
            message=texts[0].english(),
            hint=texts[1].english(),
            ref=ref,
        )
        made._texts = texts
        return made

    def text(self, field: str) -> Text:
        """The `Text` of ``"message"`` or ``"hint"`` (a literal of the English when the
        diagnostic was made from strings), to quote inside another message."""
        if self._texts is not None:
            return self._texts[0 if field == "message" else 1]
        return Text.of(self.__dict__[field])

    def model_copy(self, *, update=None, deep: bool = False) -> Diagnostic:
        """A copy; a `message` or `hint` given in `update` replaces that text too."""
        copy = super().model_copy(update=update, deep=deep)
        if update and self._texts is not None and {"message", "hint"} & set(update):
            copy._texts = tuple(
                Text.of(update[f]) if f in update else t
                for f, t in zip(("message", "hint"), self._texts, strict=True)
            )
        return copy

    @property
    def cite(self) -> str:
        """The reference as a reader sees it: 'notes §12.2' (or the document it names)."""
        return self.cite_text().render()

    def cite_text(self) -> Text:
        if self.ref.startswith("§"):
            return Text(N_("notes {ref}"), ref=self.ref)
        return Text.of(self.ref)

    def __eq__(self, other: Any) -> bool:  # equal findings: equal fields, however they were made
        if not isinstance(other, Diagnostic):
            return NotImplemented
        return self.__dict__ == other.__dict__


class _Rendered:
    """``d.message`` / ``d.hint``: the field in the current language (the English field itself
    stays what `model_dump` serialises)."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, obj: Optional[Diagnostic], owner=None):
        if obj is None:
            return self
        english = obj.__dict__[self.name]
        if obj._texts is None:
            return _(english)
        return obj.text(self.name).render()

    def __set__(self, obj, value) -> None:
        raise AttributeError(f"a Diagnostic is frozen: cannot set {self.name!r}")


# Set after the class is built, so pydantic keeps `message` and `hint` as fields; a data
# descriptor on the class is found before the instance's field values.
Diagnostic.message = _Rendered("message")  # type: ignore[assignment]
Diagnostic.hint = _Rendered("hint")  # type: ignore[assignment]
