"""Shared Streamlit components of the dashboard (grids, programs, pickers).

`render` is pure numpy/PIL and testable without Streamlit; `components` draws with Streamlit.
"""
