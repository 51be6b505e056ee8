"""Local Sphinx extension: bibliography labels that match the text's citations.

The pages cite author-year ("Hinton et al., 2015", ``bibtex_reference_style:
author_year``), but pybtex's styles label entries alpha-style ("HVD15"), so a
reader of the printed book could not match a citation to its entry. The
``course`` style is pybtex's ``unsrt`` with labels made by the same author-year
template the citations use, and entries sorted by author, year and title.
"""

from __future__ import annotations

from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join
from sphinxcontrib.bibtex.style.template import year


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Author et al., 2015" (with a, b, ... where two would coincide)."""

    def format_labels(self, sorted_entries):
        reference = AuthorYearReferenceStyle()
        template = join(sep=", ")[
            reference.person.author_or_editor_or_title(full=False), year
        ]
        labels = [
            template.format_data({"entry": entry, "style": reference}).render_as("text")
            for entry in sorted_entries
        ]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:
                seen[label] += 1
                label += "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
            yield label


class CourseStyle(UnsrtStyle):
    """pybtex's unsrt entries, author-year labels, sorted by author and year."""

    default_label_style = AuthorYearLabelStyle
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.formatting", "course", CourseStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
