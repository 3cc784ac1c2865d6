"""Risk — Were incidents rare, handled, and was use kept to people with access?"""

from ui.family import render

render("risk")
