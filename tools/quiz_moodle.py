"""Moodle XML for one chapter's quiz (Moodle's own import format, no library needed).

Choice and predict questions are ``multichoice`` with one right answer;
numeric questions are ``numerical`` with the computed answer and its tolerance.
The explanation (and a prediction's reveal) is the general feedback.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from quiz_markup import to_html


def _text(parent: ET.Element, tag: str, content: str, html: bool = True) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": "html"} if html else {})
    ET.SubElement(element, "text").text = content
    return element


def _question(quiz, q) -> ET.Element:
    kind = "numerical" if q.kind == "numeric" else "multichoice"
    node = ET.Element("question", {"type": kind})
    name = ET.SubElement(node, "name")
    ET.SubElement(name, "text").text = f"{quiz.chapter}/{q.id}"
    _text(node, "questiontext", to_html(q.stem))
    feedback = to_html(q.explanation)
    if q.reveal:
        feedback = to_html(q.reveal) + feedback
    _text(node, "generalfeedback", feedback)
    ET.SubElement(node, "defaultgrade").text = "1"
    ET.SubElement(node, "penalty").text = "0"
    ET.SubElement(node, "hidden").text = "0"
    ET.SubElement(node, "idnumber").text = f"{quiz.chapter}/{q.id}"
    if q.kind == "numeric":
        answer = ET.SubElement(
            node, "answer", {"fraction": "100", "format": "moodle_auto_format"}
        )
        ET.SubElement(answer, "text").text = repr(q.answer)
        ET.SubElement(answer, "tolerance").text = repr(q.tolerance)
        _text(answer, "feedback", "")
        return node
    ET.SubElement(node, "single").text = "true"
    ET.SubElement(node, "shuffleanswers").text = "false"
    ET.SubElement(node, "answernumbering").text = "abc"
    for choice in q.choices:
        fraction = "100" if choice == q.answer else "0"
        answer = ET.SubElement(node, "answer", {"fraction": fraction, "format": "html"})
        ET.SubElement(answer, "text").text = to_html(choice)
        _text(answer, "feedback", "")
    return node


def moodle_xml(quiz) -> bytes:
    """The quiz as a Moodle XML document (UTF-8 bytes)."""
    root = ET.Element("quiz")
    category = ET.SubElement(root, "question", {"type": "category"})
    _text(category, "category", f"$course$/Temperature/{quiz.chapter}", html=False)
    for q in quiz.questions:
        root.append(_question(quiz, q))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
