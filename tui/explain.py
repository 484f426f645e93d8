"""Plain-language explanations, rendered from the declarations.

What a field is for and what *this* value means is declared with the field, in the protocol
file that declares it (`explain=` on its FieldSpec: a sentence, or fn(value, layer) ->
sentence); what a protocol is for is its Protocol's `explain`. This module only renders
them: a field of named values or a flag gets its value's name after a fixed sentence, the
declared checksum field gets the verdict of its status, a layer that is not ok says so.
Explanations may quote packet text, so what is shown is escaped here, once.
"""

from __future__ import annotations

from typing import Any

from dissect.engine import Field, FieldSpec, Layer, safe_text

TEXT_MAX = 600  # characters of one explanation shown


def explanation(spec: FieldSpec, value: Any, layer: Layer) -> str:
    """The declared explanation of a field with this value; "" when none is declared or it
    fails (an explanation must never break the view)."""
    entry = spec.explain
    if not callable(entry):
        return entry if isinstance(entry, str) else ""
    try:
        return str(entry(value, layer) or "")
    except Exception:
        return ""


def explain_field(layer: Layer, f: Field) -> str:
    """What the field is for and what its value means, escaped."""
    spec = f.spec
    text = explanation(spec, f.value, layer)
    if not text:
        text = f"{f.label}: {f.show}."
    elif not callable(spec.explain) and (spec.names is not None or spec.kind in ("flag", "bool")):
        text += f" Here: {f.show}."
    verdict = _checksum_verdict(layer, f)
    if verdict:
        text += " " + verdict
    return safe_text(text, TEXT_MAX)


def _checksum_verdict(layer: Layer, f: Field) -> str:
    """For the protocol's declared checksum field: what its status says."""
    ck = layer.protocol.checksum
    if ck is None or f.spec.name != ck.field:
        return ""
    status = next((x for x in layer.walk() if x.spec is ck.status), None)
    return "" if status is None else explanation(ck.status, status.value, layer)


def explain_layer(layer: Layer) -> str:
    text = layer.protocol.explain or f"{layer.protocol.title}."
    if layer.status != "ok":
        text += f" This layer is {layer.status}: see the warnings under it."
    return text
