"""Streamlit helpers shared by app.py and the pages: settings, cached reads, formatting."""
