"""The visualiser in a real headless browser (Debian's chromium driven by Selenium) against a real
trund that ran a 3-level tree, a failing branch, and has a live worker.  A screenshot of each view is
saved under build/test-artifacts/trund-browser/."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import selenium.webdriver as webdriver  # trun[test] installs it: missing fails
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from trund_helpers import TrundProcess, env_with_tests, worker_script

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "trund-browser"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000")
DONE_GREEN = "rgb(0,221,0)"
FAILED_RED = "rgb(221,0,0)"
PENDING_YELLOW = "rgb(238,187,0)"



@pytest.fixture(scope="module", autouse=True)
def browser_installed() -> None:
    """Fails (never skips) without the browser: `make test` installs it, so missing is a fault."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("needs Debian's chromium and chromium-driver (make test installs them)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """trund after a run of Tree(depth=2) (7 steps, all done) and Needs(upstream=fail) (a failure
    and a step waiting on it), with one worker still running a slow step."""
    tmp = tmp_path_factory.mktemp("browser")
    logs = tmp / "logs"
    server = TrundProcess(tmp / "state.sqlite", "--step-log-dir", str(logs)).start()
    env = env_with_tests(TRUN_CONFIG_PATH=str(tmp / "trun.cfg"))
    (tmp / "trun.cfg").write_text(f"[core]\nstep_log_dir = {logs}\n")
    steps = "[Tree(root=root, depth=2), Needs(root=root, name='needs', upstream='fail')]"
    subprocess.run(worker_script(tmp, server.url, steps), env=env, capture_output=True, timeout=120)
    slow = subprocess.Popen(worker_script(tmp, server.url, "[Leaf(root=root, name='slow', sleep=600)]"),
                            env=env)
    yield server, tmp
    slow.kill()
    slow.wait(30)
    server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def shot(driver, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def wait(driver, condition, timeout=60):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))


def texts(driver, css):
    """The text of each element matching ``css``, read at one moment (the page refreshes itself)."""
    return driver.execute_script(f"return [...document.querySelectorAll({css!r})].map(e => e.innerText)")


def click(driver, css):
    driver.execute_script(f"document.querySelector({css!r}).click()")


def rows(driver):
    return texts(driver, "#steps-table tbody tr")


def box_count(driver, status):
    shown = texts(driver, f"#box-{status} .count")
    return int(shown[0]) if shown else -1  # -1: the boxes are not drawn yet


def test_step_list_boxes_search_and_status_filter(site, browser):
    server, _ = site
    wait_for_worker(server)
    browser.get(server.url + "/")
    wait(browser, lambda d: texts(d, "#box-DONE .count") == ["7"])
    assert box_count(browser, "FAILED") == 1 and box_count(browser, "UPSTREAM_FAILED") == 1
    assert box_count(browser, "RUNNING") == 1
    assert len(rows(browser)) == 10  # 7 tree steps, fail, needs, slow
    families = [f.split()[0] for f in texts(browser, "#families li")]
    assert families == ["Fail", "Leaf", "Needs", "Tree"]
    shot(browser, "steps")

    search = browser.find_element(By.ID, "search")
    search.send_keys("depth=1")  # matched on the server against the parameters
    wait(browser, lambda d: len(rows(d)) == 2)
    assert all("depth=1" in r for r in rows(browser))
    shot(browser, "steps-search")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)  # typed away, as a user would
    wait(browser, lambda d: len(rows(d)) == 10)

    click(browser, "#box-FAILED")
    wait(browser, lambda d: len(rows(d)) == 1)
    assert "Fail(" in rows(browser)[0] and "status=FAILED" in browser.current_url
    click(browser, "#steps-table tbody tr .act-error")
    wait(browser, lambda d: "always fails" in d.find_element(By.ID, "traceback").text)
    shot(browser, "traceback")
    browser.find_element(By.CSS_SELECTOR, "#detail form button").click()
    click(browser, "#box-FAILED")  # a second click removes the filter
    wait(browser, lambda d: len(rows(d)) == 10)


def test_graph_of_a_three_level_tree_has_its_nodes_and_colours(site, browser):
    server, _ = site
    (top,) = [i for i, s in server.api("step_list", status="DONE").items()
              if s["params"] == {"root": s["params"]["root"], "depth": "2", "index": "0"}]
    browser.get(server.url + "/#tab=graph")
    field = browser.find_element(By.ID, "graph-step")
    field.clear()
    field.send_keys(top)
    browser.find_element(By.ID, "graph-direction").send_keys("upstream")
    browser.find_element(By.ID, "graph-show").click()
    nodes = wait(browser, lambda d: d.execute_script(
        "return window.trunGraph && trunGraph.nodes().length === 7 && trunGraph.nodes().map("
        "n => [n.id(), n.data('status'), n.style('background-color')])"))
    assert {status for _, status, _ in nodes} == {"DONE"}
    assert {colour.replace(" ", "") for _, _, colour in nodes} == {DONE_GREEN}
    assert browser.execute_script("return trunGraph.edges().length") == 6
    shot(browser, "graph-tree")

    # both directions from a middle node: its two leaves and the top, with all three edges
    (middle,) = [n for n, _, _ in nodes if server.api("dep_graph", step_id=n)[n]["params"]["depth"] == "1"
                 and server.api("dep_graph", step_id=n)[n]["params"]["index"] == "0"]
    field.clear()
    field.send_keys(middle)
    browser.find_element(By.ID, "graph-direction").send_keys("both")
    browser.find_element(By.ID, "graph-show").click()
    wait(browser, lambda d: d.execute_script(
        "return trunGraph.nodes().length === 4 && trunGraph.edges().length === 3"))

    # downstream from a leaf with depth 1: the leaf, its parent, and the grandparent cut off (magenta)
    leaf = [n for n, _, _ in nodes if n != top and
            server.api("dep_graph", step_id=n)[n]["params"]["depth"] == "0"][0]
    field.clear()
    field.send_keys(leaf)
    browser.find_element(By.ID, "graph-direction").send_keys("downstream")
    depth = browser.find_element(By.ID, "graph-depth")
    depth.clear()
    depth.send_keys("1")
    browser.find_element(By.ID, "graph-show").click()
    wait(browser, lambda d: d.execute_script(
        "return trunGraph.nodes().length === 3 && trunGraph.nodes('[?truncated]').length === 1"))
    browser.execute_script("trunGraph.nodes('[?truncated]').emit('tap')")  # expand on click
    wait(browser, lambda d: d.execute_script(
        "return trunGraph.nodes('[?truncated]').length === 0 && trunGraph.nodes().length === 3"))
    shot(browser, "graph-expanded")


def test_graph_of_a_failed_branch_hides_done_and_colours_by_status(site, browser):
    server, _ = site
    (needs,) = server.api("step_list", status="PENDING")
    browser.get(server.url + "/#tab=graph")
    field = browser.find_element(By.ID, "graph-step")
    field.clear()
    field.send_keys(needs)
    browser.find_element(By.ID, "graph-hide-done").click()
    browser.find_element(By.ID, "graph-show").click()
    colours = wait(browser, lambda d: d.execute_script(
        "return window.trunGraph && trunGraph.nodes().length === 2 && "
        "trunGraph.nodes().map(n => [n.data('status'), n.style('background-color')])"))
    assert sorted((s, c.replace(" ", "")) for s, c in colours) == [("FAILED", FAILED_RED),
                                                                   ("PENDING", PENDING_YELLOW)]
    shot(browser, "graph-failed")


def wait_for_worker(server):
    import time

    deadline = time.monotonic() + 60
    while not any(w["num_running"] for w in server.api("worker_list")):
        assert time.monotonic() < deadline, "the slow worker never started its step"
        time.sleep(0.05)


def test_workers_resources_and_history_tabs(site, browser):
    server, _ = site
    wait_for_worker(server)
    browser.get(server.url + "/#tab=workers")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#workers-table .running-step"))
    live = [r for r in texts(browser, "#workers-table tbody tr") if "Leaf(" in r]
    assert len(live) == 1 and "name=slow" in live[0] and "s ago" in live[0]
    shot(browser, "workers")
    browser.find_element(By.CSS_SELECTOR, "#tabs a[data-tab=resources]").click()
    wait(browser, lambda d: d.find_element(By.ID, "view-resources").is_displayed())
    shot(browser, "resources")
    browser.find_element(By.CSS_SELECTOR, "#tabs a[data-tab=history]").click()
    wait(browser, lambda d: len(texts(d, "#gantt .gantt-bar")) == 9)  # all but 'needs' ran
    assert len(browser.find_elements(By.CSS_SELECTOR, "#history-table tbody tr")) == 9
    shot(browser, "history")


def test_actions_and_live_updates(site, browser):
    server, _ = site
    browser.get(server.url + "/#status=FAILED")
    wait(browser, lambda d: len(rows(d)) == 1)
    click(browser, "#steps-table tbody tr .act-mark_as_done")
    wait(browser, lambda d: len(rows(d)) == 0 and box_count(d, "FAILED") == 0)
    assert server.api("status_counts")["DONE"] == 8
    # a change made elsewhere shows up without reloading the page
    browser.get(server.url + "/#status=DONE")
    wait(browser, lambda d: box_count(d, "DONE") == 8)
    (needs,) = server.api("step_list", status="PENDING")
    server.api("add_step", step_id=needs, status="DONE")
    wait(browser, lambda d: box_count(d, "DONE") == 9)
    shot(browser, "after-actions")
