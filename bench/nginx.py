"""nginx as a plain reverse proxy to the stand-in: the reference line for per-request cost.

nginx maps the proxy's own paths (`/Account/<id>`) to Salesforce paths and adds the bearer
token itself, so it does the minimum any proxy must do: parse, forward over a reused
upstream connection, relay the response.
"""

import os
import shutil
import urllib.parse

from bench.processes import Service, free_port, wait_for_http

CONFIG_TEMPLATE = """\
worker_processes {workers};
daemon off;
master_process on;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    upstream salesforce {{
        server {upstream_host}:{upstream_port};
        keepalive 512;
    }}

    server {{
        listen 127.0.0.1:{port};

        location = / {{
            return 200 "nginx reference\\n";
        }}

        location ~ ^/Account/(\\w+)$ {{
            proxy_pass http://salesforce/services/data/v62.0/sobjects/Account/$1;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "Bearer {access_token}";
        }}
    }}
}}
"""


def nginx_binary():
    """Return the nginx executable, also found in /usr/sbin when that is not on PATH."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def write_config(prefix, port, upstream_url, access_token, workers=1):
    """Write nginx.conf under prefix and return its path."""
    upstream = urllib.parse.urlsplit(upstream_url)
    config = CONFIG_TEMPLATE.format(
        workers=workers,
        prefix=prefix,
        port=port,
        upstream_host=upstream.hostname,
        upstream_port=upstream.port,
        access_token=access_token,
    )

    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as config_file:
        config_file.write(config)
    return path


def start_nginx(out_dir, upstream_url, access_token, cpus=None):
    """Start nginx in the foreground with one worker, or return None when nginx is not installed."""
    binary = nginx_binary()
    if binary is None:
        return None

    prefix = os.path.join(out_dir, "nginx")
    os.makedirs(prefix, exist_ok=True)

    # Run as root, nginx switches its worker to "nobody", which must be able to enter the prefix.
    os.chmod(prefix, 0o755)
    port = free_port()
    config = write_config(prefix, port, upstream_url, access_token)

    argv = [binary, "-p", prefix, "-c", config, "-e", os.path.join(prefix, "error.log")]
    service = Service("nginx", argv, os.path.join(out_dir, "nginx.log"), cpus=cpus)
    service.url = f"http://127.0.0.1:{port}"
    wait_for_http(service.url + "/", process=service.process)
    return service
