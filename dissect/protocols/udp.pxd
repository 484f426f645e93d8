# Compiled core (see dissect/_compiled.py): typed layers in the per-packet functions.
cimport cython

from dissect.checksum cimport pseudo_sum, verify
from dissect.model cimport Layer, Packet

@cython.locals(pkt=Packet)
cpdef _tail(bytes data, Layer layer)
@cython.locals(ctx=dict)
cpdef _checksum(data, Layer layer, length)
