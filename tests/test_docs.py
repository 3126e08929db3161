"""The documentation site in a real browser: build it, serve it on localhost, open every page in headless Chromium.

Skips when Debian's `chromium` and `chromium-driver` (or selenium, or the docs extra) are missing; `make test` installs
them. The build runs the notebooks listed in `EXECUTE` (fast ones, and one with a figure) and renders the rest as
committed; `make docs` runs them all. A screenshot of the home page is saved to `.cache/docs/screenshots/home.png`.
"""
import functools, http.server, json, os, re, shutil, subprocess, sys, threading
from pathlib import Path
from urllib.parse import urljoin, urlparse, unquote
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
EXECUTE = "index.ipynb,explanations/*,tutorials/custom_task.ipynb"
SCREENSHOT = ROOT / ".cache" / "docs" / "screenshots" / "home.png"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[docs]')")
pytest.importorskip("myst_nb", reason="the docs extra is not installed (pip install -e '.[docs]')")
if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
    pytest.skip("Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

sys.path.insert(0, str(ROOT / "tools"))
import build_docs  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    "The site, built once for this module with the notebooks in EXECUTE run."
    tmp = tmp_path_factory.mktemp("docs")
    out = tmp / "site"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "build_docs.py"), "--out", str(out), "--proc", str(tmp / "proc"),
                        "--execute", EXECUTE, "--strict", "--timeout", "400"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"docs build failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


@pytest.fixture(scope="module")
def server(site):
    "The site served on an ephemeral localhost port; yields its base URL."
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True); t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown(); httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    opts = Options()
    opts.binary_location = CHROMIUM
    for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1000",
              f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def pages(site:Path) -> list[str]:
    "Every HTML page of the site, relative to its root."
    return sorted(str(p.relative_to(site)).replace(os.sep, "/") for p in site.rglob("*.html") if "_static" not in p.parts)


def open_page(drv, url:str) -> dict:
    "Load `url` and report what a reader would notice: title, text, images, links, anchors, console errors, requests."
    drv.get(url)
    drv.execute_script("return document.readyState")  # get() already waits for the load event
    info = drv.execute_script("""
        const imgs = Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0}));
        return {title: document.title, h1: (document.querySelector('h1') || {}).textContent || '',
                text: (document.querySelector('article') || document.body).innerText.length,
                imgs: imgs, links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
                ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id).concat(Array.from(document.querySelectorAll('a[name]')).map(a => a.name)),
                requests: performance.getEntriesByType('resource').map(r => r.name),
                nav: Array.from(document.querySelectorAll('.sidebar-tree a.reference')).map(a => a.href)};""")
    info["console"] = [e for e in drv.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    return info


def test_every_page_renders_and_links_resolve(site, server, browser):
    local = urlparse(server).netloc
    all_pages, seen, figures = pages(site), {}, 0
    assert {"index.html", "core.html", "trainer.html", "tutorials/quickstart.html", "tutorials/custom_task.html",
            "explanations/paper_mapping.html"} <= set(all_pages)
    for rel in all_pages:
        info = seen[rel] = open_page(browser, urljoin(server, rel))
        assert not info["console"], f"{rel}: console errors {info['console']}"
        assert info["title"] and (info["text"] > 100 or rel == "search.html"), f"{rel}: blank page (title {info['title']!r})"
        broken = [i["src"] for i in info["imgs"] if not i["ok"]]
        assert not broken, f"{rel}: images that did not load: {broken}"
        figures += sum(1 for i in info["imgs"] if i["ok"] and "_static" not in i["src"])
        offsite = [r for r in info["requests"] if urlparse(r).netloc not in (local, "")]
        assert not offsite, f"{rel}: requests that leave localhost: {offsite}"
    assert figures >= 1, "no page shows a figure: the executed notebooks' plots are missing"
    # links: every local target exists; every #fragment exists on its page
    ids = {rel: set(info["ids"]) for rel, info in seen.items()}
    for rel, info in seen.items():
        for href in info["links"]:
            u = urlparse(href)
            if u.scheme not in ("http", "https") or u.netloc != local: continue
            path = unquote(u.path).lstrip("/") or "index.html"
            if path.endswith("/"): path += "index.html"
            assert (site / path).is_file(), f"{rel}: link to a missing page {href}"
            if u.fragment and path in ids:
                assert u.fragment in ids[path], f"{rel}: link to a missing anchor {href}"


def click(browser, css):
    "Click the link `css`: in the page's own script, since the sidebar outgrows the window as modules are added and another element covers its lower links."
    browser.execute_script("arguments[0].click()", browser.find_element("css selector", css))

def test_navigation_and_home(site, server, browser):
    home = open_page(browser, server)
    nav = {urlparse(h).path.lstrip("/") for h in home["nav"]}
    want = [p.name + ".html" for p in build_docs.discover() if p.section != "home"]
    assert set(want) <= nav, f"sidebar misses {sorted(set(want) - nav)}"
    import scrpo
    assert scrpo.__version__ in browser.title or scrpo.__version__ in browser.find_element("css selector", ".sidebar-brand").text
    # click through to the trainer page and back to a tutorial, as a reader would
    click(browser, ".sidebar-tree a[href='trainer.html']")
    assert browser.current_url.endswith("/trainer.html") and "trainer" in browser.find_element("css selector", "h1").text
    assert browser.find_elements("css selector", "dl.py.class dt#scrpo\\.trainer\\.ScRPOConfig"), "the API of ScRPOConfig is not shown"
    click(browser, ".sidebar-tree a[href='tutorials/quickstart.html']")
    assert browser.current_url.endswith("/tutorials/quickstart.html")
    browser.get(server)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and SCREENSHOT.stat().st_size > 10_000
    # the search page finds a documented name
    browser.get(urljoin(server, "search.html?q=ErrorPool"))
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 30).until(lambda d: d.find_elements("css selector", "#search-results ul.search li"))
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_api_pages_document_exported_names(site):
    "Every function and class a module exports has an entry on its page (what nbdev-docs' show_doc gives)."
    for p in build_docs.discover():
        if p.section != "modules": continue
        html = (site / f"{p.name}.html").read_text()
        mod = f"scrpo.{p.name}"
        for _, dotted, _ in build_docs.public_api(mod):
            assert f'id="{dotted}"' in html, f"{p.name}.html does not document {dotted}"
