"""Real endpoints are HTTPS, checked on the parsed URL; plain HTTP only to loopback."""

import pytest

from ornd_visma.config import officernd_settings
from ornd_visma.endpoints import checked_endpoint, is_loopback
from ornd_visma.visma.settings import visma_settings

REFUSED = [
    "http://127.0.0.1.nip.io/v2",  # a public name that starts with the loopback address
    "http://127.0.0.1@192.0.2.10/v2",  # user "127.0.0.1" at another host
    "http://192.0.2.10/127.0.0.1",  # the address in the path
    "ftp://127.0.0.1/v2",  # not http(s)
    "http://eaccountingapi.vismaonline.com/v2",
    "https://user:secret@eaccountingapi.vismaonline.com/v2",  # credentials in the URL
    "https:///v2",  # no host
    "eaccountingapi.vismaonline.com/v2",  # no scheme
    "http://127.0.0.1:99999/v2",  # no such port
]
ALLOWED = [
    "https://eaccountingapi.vismaonline.com/v2",
    "http://127.0.0.1:8462/v2",
    "http://127.10.0.3:8462",  # all of 127.0.0.0/8 is loopback
    "http://[::1]:8462/v2",
    "http://localhost:8461/api/v2",
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused_urls_name_the_variable(url):
    with pytest.raises(ValueError, match=r"^VISMA_API_URL: "):
        checked_endpoint(url, "VISMA_API_URL")
    assert not is_loopback(url)


@pytest.mark.parametrize("url", ALLOWED)
def test_https_anywhere_and_http_on_loopback(url):
    assert checked_endpoint(url, "VISMA_API_URL") == url
    assert is_loopback(url) == (not url.startswith("https://"))


def test_settings_refuse_a_plain_http_real_host_and_sandbox_needs_loopback():
    real = {"VISMA_CLIENT_ID": "c", "VISMA_CLIENT_SECRET": "s", "VISMA_REFRESH_TOKEN": "r"}
    for url in REFUSED:
        with pytest.raises(ValueError, match="VISMA_API_URL"):
            visma_settings("main", env={**real, "VISMA_API_URL": url})
        # the sandbox credentials do not make any URL acceptable either
        with pytest.raises(ValueError, match="VISMA_API_URL"):
            visma_settings("main", env={"VISMA_API_URL": url})
        with pytest.raises(ValueError, match="OFFICERND_API_URL"):
            officernd_settings({"OFFICERND_API_URL": url})
    sandbox = visma_settings("main", env={"VISMA_API_URL": "http://127.0.0.1:9000/v2"})
    assert sandbox.is_sandbox
    assert officernd_settings({}).is_sandbox
    # sandbox credentials against a real host are not the sandbox
    https_sandbox = visma_settings("main", env={"VISMA_API_URL": "https://api.example/v2"})
    assert not https_sandbox.is_sandbox
