"""Cost — Did costs stay reasonable and within budget?"""

from ui.family import render

render("cost")
