"""Refresh token rotation with several workers: one refresh for the whole proxy, no revoked sessions."""

import concurrent.futures

import requests

from tests.proxy.test_refresh import refresh_grants, web_bearer

ACCOUNTS = "/Account?q=SELECT+Id+FROM+Account+LIMIT+1"


def get_accounts_new_connection(proxy, sealed):
    # A new connection per request, so the kernel spreads them over the workers.
    headers = {"Authorization": "Bearer " + sealed, "Connection": "close", "X-Model-Dialect": "salesforce"}
    response = requests.get(proxy.url + ACCOUNTS, headers=headers, timeout=60)
    return response.status_code, response.headers.get("X-Tornsf-Session")


def workers_of(proxy, count):
    pids = set()
    for _ in range(count):
        pids.add(requests.get(proxy.url + "/healthz", headers={"Connection": "close"}, timeout=30).json()["pid"])
    return pids


def test_rotation_with_many_workers_refreshes_once(proxy_factory, sandbox):
    proxy = proxy_factory(processes=3)
    sealed = web_bearer(proxy.url)
    sandbox.set_knobs(rotate_refresh_tokens=True)
    sandbox.reset_calls()

    for attempt in range(3):
        sandbox.expire_tokens()
        with concurrent.futures.ThreadPoolExecutor(24) as pool:
            results = list(pool.map(lambda _: get_accounts_new_connection(proxy, sealed), range(48)))

        assert [status for status, _ in results] == [200] * 48, results
        renewed = {value for _, value in results if value}
        assert renewed
        sealed = renewed.pop()

    assert len(refresh_grants(sandbox)) == 3
    assert len(workers_of(proxy, 30)) > 1


def test_refresh_directory_private_and_removed(proxy_factory, tmp_path):
    proxy = proxy_factory(processes=2, environ={"TMPDIR": str(tmp_path)})
    directories = [path for path in tmp_path.iterdir() if path.name.startswith("tornsf-refresh-")]

    assert len(directories) == 1
    assert directories[0].stat().st_mode & 0o777 == 0o700
    proxy.stop()
    assert not directories[0].exists()


def test_single_worker_needs_no_directory(proxy_factory, tmp_path):
    proxy_factory(processes=1, environ={"TMPDIR": str(tmp_path)})

    assert not [path for path in tmp_path.iterdir() if path.name.startswith("tornsf-refresh-")]
