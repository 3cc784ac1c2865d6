"""The choices a user can make for a file being imported.

Both the ingest (loaders.ingest) and the import presets it opens files with (loaders.presets) read
them, so they live below either.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import BaseModel

from core.access import Actor
from loaders.validate import DateOrder


class IngestOptions(BaseModel):
    """Choices the user can make for a file; none are needed for a well-formed export."""

    dataset: str | None = None
    column_map: dict[str, str] = {}
    date_order: DateOrder | None = None
    preset: str | None = None       # an import preset (loaders.presets); detected when not given
    # The period the files cover (DESIGN.md §2 Coverage): YYYY-MM or YYYY-MM..YYYY-MM; the claude-spend preset
    # needs a single month, its export having no dates.
    period: str | None = None
    sheet: str | None = None        # XLSX: the sheet to read (the first when not given)
    mappings: dict[str, dict[str, str]] = {}  # the plan's [mappings]: entries over the presets' defaults
    # Or how to read them when a preset needs them: the command line reads the plan only then, so a
    # canonical export is imported without opening the plan (and a plan being edited does not stop it).
    read_mappings: Callable[[], dict[str, dict[str, str]]] | None = None
    # What the plan says, for the warnings that compare a file with the rest (Rollgate's plan, read by the caller):
    # the use cases it declares, and the day its first stage starts.
    known_use_cases: frozenset[str] | None = None
    first_stage_on: date | None = None
    # Who imports (DESIGN.md §11): the signed-in person in the app; None for the command line's operating-system
    # user. Storing needs the analyst role; a preview does not.
    by: Actor | None = None

    def preset_mappings(self) -> dict[str, dict[str, str]]:
        """The value mappings a preset reshapes with: those given, else those `read_mappings` reads."""
        if self.mappings or self.read_mappings is None:
            return self.mappings
        return self.read_mappings()
