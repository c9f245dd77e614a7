"""The API explorer in a real headless browser: it loads, takes a bearer token,
and a "Try it out" of ``GET /courses`` answers 200 in the page.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them);
skipped, saying so, where they are missing.
"""

from __future__ import annotations

import json
import shutil
import threading
import urllib.request
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="no headless browser: install Debian's chromium and chromium-driver (CI does) to check the explorer",
)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ready  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    """The app over HTTP on a free local port: the browser's origin."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_try_it_out_answers_200_in_the_page(served: str, browser: Any, make_user: Any) -> None:
    make_user("ivy", "lrn_instructor")
    # Logged in at the browser's origin: a token names its site (``iss``).
    request = urllib.request.Request(
        f"{served}/wp-json/learnomy/v1/auth/token", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"username": "ivy", "password": PASSWORD}).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        token = json.load(response)["data"]["access_token"]
    browser.get(f"{served}/wp-json/learnomy/v1/explorer")
    wait = WebDriverWait(browser, 60)
    # The token box: the explorer sends it as the bearer credentials.
    browser.find_element(By.ID, "bearer-token").send_keys(token)
    browser.find_element(By.ID, "bearer-apply").click()
    assert browser.find_element(By.ID, "bearer-state").text == "token set"
    operation = wait.until(ready.presence_of_element_located((By.ID, "operations-courses-get_courses")))
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "#operations-courses-get_courses .try-out__btn"))).click()
    wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "#operations-courses-get_courses .execute"))).click()
    answered = "#operations-courses-get_courses .live-responses-table tbody .response .response-col_status"
    status = wait.until(lambda driver: driver.find_element(By.CSS_SELECTOR, answered).text.strip() or None)
    assert status.startswith("200"), status
    curl = browser.find_element(By.CSS_SELECTOR, "#operations-courses-get_courses .curl-command").text
    assert f"Authorization: Bearer {token}" in curl
