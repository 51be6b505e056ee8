"""Local Sphinx extension: make the built book self-contained and publishable.

- Takes the repository and the site's URL from one setting (``course_publish``):
  repository, issue and launch buttons, ``html_baseurl`` (canonical links,
  sitemap, social cards), and the Colab install cell of the served notebooks.
- Shows the version (``tempered.__version__``) and the licences in the footer.

- Sets ``TEMPERED_STATIC_BOOK=1`` so that notebook kernels started by the build
  show the static twins of the widgets (see ``tempered.widgets.static``).
- After the build, copies MathJax, require.js and the Jupyter widget manager
  from ``web/node_modules`` (installed by ``npm ci`` in ``make book``) into
  ``<html>/vendor``, where ``_config.yml`` points ``mathjax_path`` and
  ``nb_ipywidgets_js``; nothing is fetched from a CDN by the reader.
- Exports the bundled models to ONNX for the live widget into ``<html>/vendor/live-lm``
  (``tempered.lm.browser_export``; cached in ``_build/live-lm`` by their hash).
- Writes ``<html>/downloads/temperature-notebooks.zip`` with every notebook.
- Drops repeated identical <script> entries from pages.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import course_publish

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "web" / "node_modules"

# (source under node_modules, destination under vendor/);
# MathJax without its speech engine.
VENDOR = [
    ("mathjax/es5/tex-chtml.js", "mathjax/tex-chtml.js"),
    ("mathjax/es5/input/tex/extensions", "mathjax/input/tex/extensions"),
    ("mathjax/es5/output/chtml/fonts/woff-v2", "mathjax/output/chtml/fonts/woff-v2"),
    ("mathjax/es5/ui", "mathjax/ui"),
    ("mathjax/es5/a11y", "mathjax/a11y"),
    ("mathjax/es5/adaptors", "mathjax/adaptors"),
    ("requirejs/require.js", "require.js"),
    ("@jupyter-widgets/html-manager/dist", "html-manager"),
    # The live next-token widget (_static/tempered-live-lm.js): the ONNX runtime's
    # WebAssembly build and the tokenizer library, fetched only when a reader starts it.
    *(
        (f"onnxruntime-web/dist/{name}", f"onnxruntime-web/{name}")
        for name in (
            "ort.wasm.min.js",
            "ort-wasm-simd-threaded.mjs",
            "ort-wasm-simd-threaded.wasm",
        )
    ),
    (
        "@huggingface/tokenizers/dist/tokenizers.min.mjs",
        "tokenizers/tokenizers.min.mjs",
    ),
]


FOOTER = (
    '<p class="course-licence">Temperature {version}. Text and figures:'
    ' <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>;'
    " code and the <code>tempered</code> package: MIT; bundled models and data:"
    " their own licences (LICENSE-CONTENT.md in the repository).</p>"
)


def _static_kernels(app, config):
    os.environ["TEMPERED_STATIC_BOOK"] = "1"


def _publishing(app, config):
    """Repository buttons, base URL, version and footer from the one setting."""
    repository = course_publish.configured_repository()
    config.html_theme_options.update(
        course_publish.theme_options(repository, course_publish.launch_branch())
    )
    baseurl = course_publish.site_url(repository)
    config.html_baseurl = baseurl or ""
    config.sitemap_url_scheme = "{link}"  # no language or version in the URLs
    config.ogp_site_url = baseurl or ""
    config.version = config.release = course_publish.version()
    config.html_theme_options["extra_footer"] = FOOTER.format(version=config.version)


def _stamp_notebook_source(app, docname, source):
    if docname.startswith("notebooks/"):
        repository = course_publish.configured_repository()
        source[0] = course_publish.stamp_notebook(source[0], repository)


def _copy_assets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    missing = [src for src, _ in VENDOR if not (NODE_MODULES / src).exists()]
    if missing:
        raise RuntimeError(
            f"web assets missing ({', '.join(missing)}): run `npm ci --prefix web` "
            "(make book does it) so the book can serve MathJax and widgets itself"
        )
    for src, dest in VENDOR:
        source, target = NODE_MODULES / src, outdir / "vendor" / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
    from tempered.lm.browser_export import export_for_book

    export_for_book(ROOT / "_build" / "live-lm", outdir / "vendor" / "live-lm")
    repository = course_publish.configured_repository()
    course_publish.write_notebooks_zip(
        outdir / "downloads" / "temperature-notebooks.zip", repository
    )
    # The notebooks offered for download name the repository, as the zip's do.
    for copy in (outdir / "_sources" / "notebooks").glob("*.ipynb"):
        copy.write_text(course_publish.stamp_notebook(copy.read_text(), repository))


_TOCTREE_TOGGLE = re.compile(
    r'(<a class="[^"]*reference internal" href="[^"]*">([^<]*)</a>'
    r"<details[^>]*>)<summary>"
)


def _name_toctree_toggles(app, pagename, templatename, context, doctree):
    """Give the navigation's expand toggles an accessible name.

    The theme draws each as a <summary> holding only an icon, which screen
    readers announce with no name (axe-core: summary-name).
    """
    generate = context.get("generate_toctree_html")
    if generate is None:
        return

    def named(*args, **kwargs):
        html = str(generate(*args, **kwargs))
        return _TOCTREE_TOGGLE.sub(
            lambda m: (
                m[1]
                + '<summary aria-label="Sections of {}">'.format(
                    m[2].replace('"', "&quot;")
                )
            ),
            html,
        )

    context["generate_toctree_html"] = named


def _citation_roles(app, pagename, templatename, context, doctree):
    """Bibliography entries as ARIA list items.

    Docutils marks the list role="list" and each entry role="doc-biblioentry", a
    role that DPUB-ARIA 1.1 deprecates and that a list may not hold (axe-core:
    aria-required-children).
    """
    if "body" in context:
        context["body"] = context["body"].replace(
            'role="doc-biblioentry"', 'role="listitem"'
        )


def _launch_only_notebooks(app, pagename, templatename, context, doctree):
    """Binder and Colab buttons on the notebook pages only.

    The theme gives them to the executable chapter pages too, whose MyST source
    Colab cannot open and Binder opens as plain text.
    """
    buttons = context.get("header_buttons")
    if buttons and Path(app.env.doc2path(pagename)).suffix != ".ipynb":
        buttons[:] = [b for b in buttons if b.get("label") != "launch-buttons"]


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of identical <script> entries.

    Some extensions add theirs twice, whatever the priority.
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", None) or {}
        key = (
            str(getattr(script, "filename", script) or ""),
            attributes.get("body", ""),
        )  # None and "" alike
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def connect_publishing(app):
    """The handlers that follow the one repository setting (tests use them alone)."""
    app.connect("config-inited", _publishing)
    # After the theme's handler (priority 501), which adds the launch buttons.
    app.connect("html-page-context", _launch_only_notebooks, priority=900)


def setup(app):
    # A sitemap needs the site's URL; a local build without a repository has none.
    if course_publish.site_url(course_publish.configured_repository()):
        app.setup_extension("sphinx_sitemap")
    app.connect("config-inited", _static_kernels)
    connect_publishing(app)
    app.connect("source-read", _stamp_notebook_source)
    app.connect("html-page-context", _drop_repeated_scripts)
    app.connect("html-page-context", _citation_roles)
    # After the theme's handler (priority 500), which defines generate_toctree_html.
    app.connect("html-page-context", _name_toctree_toggles, priority=900)
    app.connect("build-finished", _copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
