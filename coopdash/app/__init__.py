"""The Streamlit side of the dashboard: the one caching boundary (cache.py), session and URL state
(state.py), the sidebar, page furniture, charts, maps, projection and downloads.

Importing the app layer means running inside Streamlit: labels follow the session's language, and the
`pages/` folder is never taken for a v1 multipage app (multipage.py says why).
"""

from coopdash.app import multipage, state
from coopdash.i18n import labels

labels.set_language_source(state.session_language)
multipage.neutralise()
