"""CodeIt engine: ARC tasks, a typed DSL, sandboxed execution, hindsight relabeling and
prioritized replay (Butt et al., "CodeIt", ICML 2024, arXiv 2402.04858).

Headless use: ``python -m codeit_core --help``. This package never imports streamlit.
"""

__version__ = "0.1.0"
