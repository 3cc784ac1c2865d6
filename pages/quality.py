"""Quality — Were outputs accurate enough after human review?"""

from ui.family import render

render("quality")
