# Compiled core (see dissect/_compiled.py): typed layers in the per-packet functions.
cimport cython

from dissect.model cimport Layer, Packet

cpdef _tail(data, Layer layer)
cpdef _header(data, Layer layer)
@cython.locals(pkt=Packet)
cpdef _checksum(data, Layer layer)
cpdef _detail(data, Layer layer)
cpdef _options_end(data, Layer layer)
cpdef _data_offset(data, Layer layer)
cpdef _options(data, Layer layer, start, end, build)
