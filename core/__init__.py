"""What every layer of Rollgate shares and no layer owns: the error hierarchy (core.errors), where
things are (core.paths), the calendar (core.calendar), the words and symbols of statuses
(core.words), formatting for people (core.fmt), safe CSV (core.csv_export) and the version
(core.version). It imports nothing from the rest of Rollgate."""
