"""Browser fixtures: Debian's Chromium driven by Playwright, and axe for accessibility."""

import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is installed by `make test` (apt package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # A 360 px phone screen: the smallest the portal promises to work on.
    context = browser.new_context(viewport={"width": 360, "height": 740}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def e2e_settings(settings, master_data_after_flush):
    """Messages go to the demo inbox (the tester's phone); master data is present even
    after other transactional tests flushed the database."""
    settings.SMS_BACKEND = "demo"
    settings.EMAIL_CHANNEL_BACKEND = "demo"
    settings.DEMO_MODE = True
    return settings


class AxeCheck:
    """Runs axe-core in the page and collects serious or critical violations."""

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.problems: list[str] = []
        self.checked: list[str] = []

    def __call__(self, page, label: str) -> None:
        results = self.axe.run(page)
        self.checked.append(label)
        for violation in results.response["violations"]:
            if violation.get("impact") in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.problems.append(f"{label}: {violation['id']} ({violation['impact']}) {targets}")


@pytest.fixture
def axe():
    return AxeCheck()

