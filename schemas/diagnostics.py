"""A design-linter finding (docs/design.md §4)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]


class Diagnostic(BaseModel):
    """One finding of the design linter; errors block build and export, warnings never do."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Annotated[str, Field(description="Stable code, e.g. 'RA101'.")]
    severity: Annotated[Severity, Field(description="error | warning | info.")]
    path: Annotated[str, Field(description="JSON path of the field the finding is about.")]
    message: Annotated[str, Field(description="What is wrong, in plain language.")]
    hint: Annotated[str, Field(description="How to fix it.")]
    ref: Annotated[str, Field(description="The notes section it cites, e.g. '§12.2'.")]

    @property
    def cite(self) -> str:
        """The reference as a reader sees it: 'notes §12.2' (or the document it names)."""
        return f"notes {self.ref}" if self.ref.startswith("§") else self.ref
