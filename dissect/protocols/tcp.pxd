# Compiled core (see dissect/_compiled.py): typed layers in the per-packet functions.
cimport cython

from dissect.checksum cimport pseudo_sum, verify
from dissect.model cimport Field, Layer, Packet
from dissect.protocol cimport read_values

cpdef _tail(bytes data, Layer layer)
@cython.locals(pos=Py_ssize_t, end=Py_ssize_t, hdr_len=Py_ssize_t)
cpdef _header(bytes data, Layer layer)
@cython.locals(pkt=Packet)
cpdef _checksum(bytes data, Layer layer)
cpdef _detail(data, Layer layer)
cpdef _options_end(bytes data, Layer layer)
cpdef _data_offset(bytes data, Layer layer)
@cython.locals(i=cython.Py_ssize_t, n=cython.Py_ssize_t, kind=cython.int, opts=Field, o=Field)
cpdef _options(bytes data, Layer layer, start, end, build)
@cython.locals(off=cython.Py_ssize_t)
cpdef _option_value(data, Layer layer, Field o, int kind, Py_ssize_t i, Py_ssize_t n)
@cython.locals(vals=tuple)
cpdef str _info(Layer layer)
cpdef _segment_len(Layer layer, hdr_len)
cpdef str _info_text(long long sport, long long dport, long long flags, long long seq,
                     long long ack, long long win, long long seg)
