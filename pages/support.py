"""Support — Did support requests reveal confusion, and are users satisfied?"""

from ui.family import render

render("support")
