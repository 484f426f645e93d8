# Compiled core (see dissect/_compiled.py): typed layers in the per-packet functions.
cimport cython

from dissect.model cimport Field, Layer, Packet

cpdef _tail(data, Layer layer)
@cython.locals(pos=Py_ssize_t, end=Py_ssize_t, hdr_len=Py_ssize_t)
cpdef _header(data, Layer layer)
@cython.locals(pkt=Packet)
cpdef _checksum(data, Layer layer)
cpdef _detail(data, Layer layer)
cpdef _options_end(data, Layer layer)
cpdef _data_offset(data, Layer layer)
@cython.locals(i=cython.Py_ssize_t, n=cython.Py_ssize_t, kind=cython.int, opts=Field, o=Field)
cpdef _options(data, Layer layer, start, end, build)
@cython.locals(off=cython.Py_ssize_t)
cpdef _option_value(data, Layer layer, Field o, int kind, Py_ssize_t i, Py_ssize_t n)
