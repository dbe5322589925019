"""The web page in a real headless browser: Debian's chromium and chromium-driver, driven by Selenium.

.ci/run installs them with apt-get where it can (sudo apt-get install chromium chromium-driver).
"""

import shutil

import cv2
import numpy as np
import pytest
from conftest import INT8, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytest.importorskip("flask", reason="the web extra is not installed: pip install .[web]")
pytest.importorskip("selenium", reason="selenium is not installed: pip install .[dev]")
pytestmark = [
    pytest.mark.skipif(not INT8.is_file(), reason="no shipped model yet: run `make models`"),
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="no chromium or chromedriver: apt-get install chromium chromium-driver"),
]

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from edge_app.classifier import Classifier  # noqa: E402
from edge_app.scenes import SceneConfig, make_scene  # noqa: E402
from edge_app.sources import DemoSource  # noqa: E402
from edge_app.webapp import create_app, stop_app  # noqa: E402

WAIT = 30  # seconds for anything to appear on the page


@pytest.fixture
def site():
    """The real server, with the demo as its live source, on a free loopback port."""
    app = create_app(Classifier(INT8), DemoSource(seed=3), log=lambda message: None)
    with serving(app) as port:
        yield f"http://127.0.0.1:{port}/"
        stop_app(app)  # ends the live streams first, so the server need not wait for them


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1200,1600"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def text_of(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def test_page_shows_live_view_reads_an_upload_and_a_drawing(site, browser, tmp_path):
    photo = tmp_path / "clear.jpg"
    scene = make_scene(np.random.default_rng(4), config=SceneConfig(touching=0.0), texts=["2024"])
    cv2.imwrite(str(photo), cv2.resize(scene.image, (1600, 1200), interpolation=cv2.INTER_CUBIC))
    browser.get(site)
    wait = WebDriverWait(browser, WAIT)

    wait.until(lambda d: text_of(d, "live-status").startswith("Live:"))
    wait.until(lambda d: d.execute_script("return document.getElementById('live-image').naturalWidth") == 640)
    wait.until(lambda d: text_of(d, "live-numbers"))

    browser.find_element(By.ID, "file").send_keys(str(photo))
    wait.until(lambda d: "2024" in text_of(d, "upload-numbers"))
    status = text_of(browser, "upload-status")
    assert status.startswith("clear.jpg: 1 number(s) in ") and "ms on the device" in status
    assert browser.find_element(By.ID, "upload-canvas").is_displayed()

    pad = browser.find_element(By.ID, "pad")  # a "1": one long vertical stroke in the middle
    ActionChains(browser).move_to_element_with_offset(pad, 0, -90).click_and_hold() \
        .move_by_offset(0, 60).move_by_offset(0, 60).move_by_offset(0, 60).release().perform()
    wait.until(lambda d: text_of(d, "draw-result") == "1")
