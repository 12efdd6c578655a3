# Sourced by serve.sh and test.sh: Debian's nginx, the deployment's reverse proxy (deploy/nginx.conf).
# Installed when missing and we may (root + apt-get); the service it would start is stopped and disabled
# at once: deploy/serve.py runs its own nginx under supervisord, on its own configuration.
if [ -z "${COOP_SKIP_NGINX_DEPS:-}" ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "安装 nginx / installing nginx …" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq nginx >/dev/null) \
      || echo "无法安装 nginx / could not install nginx" >&2
    # Debian starts the packaged service on port 80: this deployment does not use it
    (service nginx stop || /usr/sbin/nginx -s quit) >/dev/null 2>&1 || true
    update-rc.d nginx disable >/dev/null 2>&1 || true
  else
    echo "未找到 nginx 且无法安装 / no nginx and cannot install it (apt-get install nginx)" >&2
  fi
fi
