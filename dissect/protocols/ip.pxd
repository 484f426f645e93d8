# Compiled core (see dissect/_compiled.py): typed layers in the per-packet functions.
cimport cython

from dissect.checksum cimport verify
from dissect.model cimport Layer, Packet

@cython.locals(pkt=Packet, pos=Py_ssize_t, end=Py_ssize_t, version=cython.int,
               hdr_len=Py_ssize_t, dst=Py_ssize_t, frag=cython.int)
cpdef _tail(bytes data, Layer layer)
@cython.locals(pkt=Packet)
cpdef _bound_total_length(Layer layer, total)
cpdef _bound_quote(Layer layer)
