"""Checks of one page of the built book, opened in a real browser, offline.

For each page: no request leaves 127.0.0.1, no console errors, math rendered
where the page has math, alt text on every image, at most 3 MB in all, and
every static widget's figure changes when its slider moves (each chapter has one),
and no code block or display equation is wider than the text column at 1280 pixels.
Every page passes axe-core with no critical or serious violation (in dark mode, its
colour-contrast rule; MathJax's output and the code's token colours are audited on one
page, see SHARED_MARKUP_PAGE);
in the dark pass the window is then narrowed to a
390-pixel phone: no page scrolls sideways, and a wide equation scrolls inside its own
box with its number clear of it.
Page weight is what the browser downloads from a server that gzips text assets, as
static hosts do. Light and dark are checked in one page load (the theme switches
in place, as the theme's own button does). With TEMPERED_SCREENSHOTS=1, screenshots
of each page (light and dark) land in _build/screenshots/ for a person to look at;
the test run leaves them out, since a full-page screenshot costs seconds a page.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

from tests.test_book import toc_files

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "_build" / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
PAGES = toc_files()
MAX_PAGE_BYTES = 3 * 1024 * 1024


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or parsed.hostname == "127.0.0.1"


def open_page(browser, url, theme="light"):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(
        f"localStorage.setItem('theme', '{theme}');"
        f" localStorage.setItem('mode', '{theme}');"
    )
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    return context, page, requests, errors


def code_that_scrolls(page) -> list[str]:
    """First lines of code blocks (not outputs) that scroll sideways in this window."""
    return page.evaluate(
        """() => [...document.querySelectorAll('div.highlight pre')]
             .filter(p => !p.closest('.cell_output'))
             .filter(p => p.scrollWidth > p.clientWidth + 1)
             .map(p => p.textContent.split('\\n')[0].slice(0, 60))"""
    )


def wide_equations(page) -> list[str]:
    """Display equations whose box scrolls (wider than the column), by their text."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
               'div.math mjx-container[display="true"]')]
             .filter(m => m.scrollWidth > m.clientWidth + 1)
             .map(m => (m.closest('div.math').querySelector('.eqno') || {}).textContent
                       || m.textContent.slice(0, 40))"""
    )


def phone_layout_problems(page) -> list[str]:
    """At the current (phone) width: the page scrolls sideways, or an equation's box
    leaves the screen or overlaps its number."""
    return page.evaluate(
        """() => {
      const problems = [], width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > width + 1)
        problems.push(`page is ${document.documentElement.scrollWidth} px wide`);
      const boxes = 'div.math mjx-container[display="true"]';
      for (const box of document.querySelectorAll(boxes)) {
        const r = box.getBoundingClientRect();
        if (r.width === 0) continue;  // in a closed dropdown
        if (r.right > width + 1) problems.push(`equation box ends at ${r.right} px`);
        const number = box.closest('div.math').querySelector('.eqno');
        if (!number) continue;
        const n = number.getBoundingClientRect();
        if (n.left < r.right - 1 && n.right > r.left + 1 && n.top < r.bottom - 1
            && n.bottom > r.top + 1)
          problems.push(`number ${number.textContent} overlaps its equation`);
      }
      return problems;
    }"""
    )


# Two kinds of markup are the same on every page and make most of axe-core's work:
# MathJax's output (three quarters of a chapter's DOM) and the highlighted code, whose
# every token is an element of its own (3,000 to 8,000 a notebook page) that the
# colour-contrast rule measures one by one, in light and in dark. SHARED_MARKUP_PAGE
# audits both (test_book_pages.py): its typeset math, and a specimen of every token
# class of the theme's Pygments style (see check_shared_markup). The other audits
# set them aside while axe runs (each formula for an empty stand-in, each code block
# for a copy holding its plain text, which keeps the block's own colours and
# background) and put them back after, so that each page's own text, code blocks,
# outputs, widgets and chrome are audited.
SHARED_MARKUP_PAGE = "book/01-why-temperature"
_AXE_WITHOUT_SHARED_MARKUP = """async options => {
  const taken = [...document.querySelectorAll('mjx-container')].map(math => {
    const stand_in = document.createElement('span');
    math.replaceWith(stand_in);
    return [math, stand_in];
  });
  for (const code of document.querySelectorAll('div.highlight pre')) {
    const plain = code.cloneNode(false);
    plain.textContent = code.textContent;
    code.replaceWith(plain);
    taken.push([code, plain]);
  }
  try { return await axe.run(document, options); }
  finally { for (const [markup, stand_in] of taken) stand_in.replaceWith(markup); }
}"""
# A highlighted block holding one token of each class the page's Pygments style
# colours (its rules read ".highlight .k", ".highlight .nf", ...).
_TOKEN_SPECIMEN = r"""() => {
  const classes = new Set();
  for (const sheet of document.styleSheets) {
    let rules;
    try { rules = sheet.cssRules; } catch (e) { continue; }
    for (const rule of rules) {
      for (const m of (rule.selectorText || '').matchAll(/\.highlight \.([\w-]+)/g))
        if (rule.style.color) classes.add(m[1]);
    }
  }
  const block = document.createElement('div');
  block.className = 'highlight token-specimen';
  const pre = document.createElement('pre');
  for (const name of [...classes].sort()) {
    const token = document.createElement('span');
    token.className = name;
    token.textContent = `token_${name} `;
    pre.append(token, '\n');
  }
  block.append(pre);
  (document.querySelector('article') || document.body).append(block);
  return classes.size;
}"""


def axe_violations(page, rules=None, with_shared_markup=False) -> list[str]:
    """Critical and serious violations axe-core finds on the page (its default
    WCAG 2.x A/AA and best-practice rules, or only ``rules``), with the typeset
    math and the code's token markup set aside unless ``with_shared_markup``."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options = {"resultTypes": ["violations"], "preload": False}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    run = (
        "options => axe.run(document, options)"
        if with_shared_markup
        else _AXE_WITHOUT_SHARED_MARKUP
    )
    result = page.evaluate(run, options)
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
    ]


def screenshot(page, name: str, **options) -> None:
    """Save a screenshot for a person to look at, when TEMPERED_SCREENSHOTS is set."""
    if os.environ.get("TEMPERED_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name.replace('/', '__')}.png"), **options)


def check_shared_markup(browser, site):
    """axe-core on the markup the other audits set aside, light and dark, on one
    page: its typeset math, its highlighted code, and a specimen of every token
    class of the Pygments style, so that no token colour goes unmeasured."""
    context, page, _, errors = open_page(browser, f"{site}/{SHARED_MARKUP_PAGE}.html")
    try:
        page.wait_for_selector("mjx-container", state="attached", timeout=15_000)
        assert page.locator("mjx-container[display=true]").count(), "no display math"
        assert page.evaluate(_TOKEN_SPECIMEN) >= 20, "too few Pygments token classes"
        violations = axe_violations(page, with_shared_markup=True)
        assert not violations, f"axe-core, math and code tokens: {violations}"
        dark_mode(page)
        violations = axe_violations(
            page, rules=["color-contrast"], with_shared_markup=True
        )
        assert not violations, (
            f"axe-core, dark mode, math and code tokens: {violations}"
        )
        assert not errors, f"console errors: {errors}"
    finally:
        context.close()


def dark_mode(page):
    """Switch the open page to dark mode in place, as the theme's button does."""
    # Colours would otherwise fade between the themes while they are measured.
    page.add_style_tag(content="*, *::before, *::after { transition: none !important }")
    page.evaluate(
        """() => { const html = document.documentElement;
                   html.dataset.mode = 'dark'; html.dataset.theme = 'dark'; }"""
    )
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"


def check_page(browser, site, name):
    """Offline, no console errors, math, alt text, weight, code width, axe, widgets
    move; then the same page in dark mode and at phone width (check_dark)."""
    context, page, requests, errors = open_page(browser, f"{site}/{name}.html")
    try:
        outside = [u for u in requests if not is_local(u)]
        assert not outside, f"requests left the machine: {outside}"
        assert not errors, f"console errors: {errors}"
        if page.locator(".math").count():
            page.wait_for_selector("mjx-container", state="attached", timeout=15_000)
            assert page.locator(".math:not(:has(mjx-container))").count() == 0, (
                "some math did not render"
            )
        missing_alt = page.eval_on_selector_all(
            "img", "els => els.filter(e => !e.alt || !e.alt.trim()).map(e => e.src)"
        )
        assert not missing_alt, f"images without alt text: {missing_alt}"
        total = page.evaluate(
            """() => performance.getEntriesByType('navigation')
                 .concat(performance.getEntriesByType('resource'))
                 .reduce((s, e) => s + (e.encodedBodySize || e.transferSize || 0), 0)"""
        )
        assert total <= MAX_PAGE_BYTES, f"page weighs {total / 1e6:.2f} MB"
        assert not code_that_scrolls(page), (
            f"code blocks wider than the column: {code_that_scrolls(page)}"
        )
        wide = wide_equations(page)
        assert not wide, f"equations wider than the column: {wide}"
        violations = axe_violations(page)
        assert not violations, f"axe-core: {violations}"
        screenshot(page, name, full_page=True)
        move_every_widget(page, name)
        assert not errors, f"console errors after moving the widgets: {errors}"
        check_dark(page, name, errors)
    finally:
        context.close()


def check_dark(page, name, errors):
    """Switched to dark mode, body and widget text keep a contrast of at least 4.5,
    axe finds nothing serious, and at phone width nothing is cut or scrolls sideways."""
    dark_mode(page)
    assert not errors, f"console errors: {errors}"
    ratio = page.evaluate(CONTRAST_JS)
    assert ratio >= 4.5, f"body text contrast {ratio:.2f} in dark mode"
    for widget in page.locator(".tempered-widget").all():
        assert widget.evaluate(CONTRAST_OF_ELEMENT_JS) >= 4.5, (
            "widget text is hard to read in dark mode"
        )
    screenshot(page, name + "-dark")
    # Dark mode changes only colours: the light pass ran every other rule.
    violations = axe_violations(page, rules=["color-contrast"])
    assert not violations, f"axe-core, dark mode: {violations}"
    page.set_viewport_size(PHONE)
    problems = phone_layout_problems(page)
    assert not problems, f"at 390 px: {problems}"


def move_every_widget(page, name):
    for widget in page.locator(".tempered-widget").all():
        widget.scroll_into_view_if_needed()
        before_state = widget.get_attribute("data-state")
        before_svg = widget.locator("svg").inner_html()
        slider = widget.locator("input[type=range]").first
        slider.fill("900" if slider.input_value() != "900" else "100")
        assert widget.get_attribute("data-state") != before_state, (
            f"{name}: widget state did not change"
        )
        assert widget.locator("svg").inner_html() != before_svg, (
            f"{name}: figure did not change"
        )


CONTRAST_JS = """() => contrastOf(document.querySelector('article') || document.body)
function contrastOf(el) {
  const parse = c => (c.match(/[\\d.]+/g) || [0,0,0]).slice(0, 3).map(Number);
  const lum = rgb => { const [r,g,b] = rgb.map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bgEl = el, bg = getComputedStyle(bgEl).backgroundColor;
  while ((bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent') && bgEl.parentElement) {
    bgEl = bgEl.parentElement; bg = getComputedStyle(bgEl).backgroundColor; }
  const a = lum(parse(getComputedStyle(el).color)), b = lum(parse(bg));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
CONTRAST_OF_ELEMENT_JS = (
    "el => { "
    + CONTRAST_JS.split("\n", 1)[1]
    + "\n return contrastOf(el.querySelector('.tw-title') || el); }"
)
