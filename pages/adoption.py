"""Adoption — Did the right, trained people use it, within the approved use cases?"""

from ui import seats
from ui.family import render

render("adoption")
seats.render()
