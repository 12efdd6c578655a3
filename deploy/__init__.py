"""Serving the dashboard to many viewers: N Streamlit replicas behind nginx, under supervisord (serve.py,
upstreams.py, nginx.conf; docs/deploy.md)."""
