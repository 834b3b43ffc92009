"""Browser fixtures: the app over real HTTP, Chromium driven by Playwright, and an axe-core check."""

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """() => axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}
}).then(results => results.violations)"""


@pytest.fixture(scope="session")
def live_server(app):
    """The shared app, served on a free port of 127.0.0.1 from a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium; the tests skip without it, or fail when REQUIRE_BROWSER=1."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts that resolve paths against the live server."""
    contexts = []

    def open_page(**options):
        # axe-core is injected as an inline script, which our Content-Security-Policy forbids.
        options.setdefault("bypass_csp", True)
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(5000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh browser context with JavaScript on."""
    return new_page()


def format_violations(violations: list[dict]) -> str:
    """One paragraph per axe rule broken: its id, what it asks for, and the elements that fail it."""
    lines = [f"{len(violations)} accessibility rule(s) broken:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}" for node in violation["nodes"])
    return "\n".join(lines)


# The page's width at the viewport's, and the elements that reach past it (not those inside a region that
# scrolls on its own, as a wide table may: WCAG 1.4.10 lets data tables scroll).
REFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth <= width) return null;
    const scrollsOnItsOwn = (element) => {
        const region = element && element.closest('[role=region][tabindex]');
        return Boolean(region) && getComputedStyle(region).overflowX !== 'visible';
    };
    const describe = (element) => {
        const classes = typeof element.className === 'string' ? element.className.trim() : '';
        return `${element.tagName.toLowerCase()}${classes ? '.' + classes.split(/\\s+/).join('.') : ''}`
            + ` to ${Math.round(element.getBoundingClientRect().right)} px:`
            + ` ${(element.textContent || '').trim().slice(0, 40)}`;
    };
    const beyond = [...document.body.querySelectorAll('*')].filter(
        (element) => element.getBoundingClientRect().right > width + 1);
    // Those outside a region that scrolls, or if none, all of them (an absolutely positioned element can
    // escape a scrolling region whose box is not its containing block).
    const outside = beyond.filter((element) => !scrollsOnItsOwn(element.parentElement));
    return {scrollWidth, wide: (outside.length ? outside : beyond).slice(-6).map(describe)};
}"""
NARROWEST = {"width": 320, "height": 640}


def assert_reflows(page) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide nothing needs scrolling sideways. The viewport is put back after."""
    size = page.viewport_size
    page.set_viewport_size(NARROWEST)
    overflow = page.evaluate(REFLOW)
    page.set_viewport_size(size)
    assert overflow is None, f"{page.url} is {overflow['scrollWidth']} px wide at 320 px:\n" + "\n".join(
        overflow["wide"]
    )


@pytest.fixture
def assert_accessible():
    """Check the page against WCAG 2.2 AA with axe-core, and that it reflows at 320 px."""

    def check(page):
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_RUN)
        assert violations == [], f"{page.url}\n{format_violations(violations)}"
        assert_reflows(page)

    return check
