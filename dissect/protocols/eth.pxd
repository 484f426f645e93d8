# Compiled core (see dissect/_compiled.py): typed layers in the per-packet functions.
from dissect.model cimport Layer

cpdef _tail(data, Layer layer)
cpdef _length_payload(data, Layer layer, length)
