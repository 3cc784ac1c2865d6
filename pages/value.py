"""Value — Does the tool save more time than reviewing and fixing its outputs costs?"""

from ui.family import render

render("value")
