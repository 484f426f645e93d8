# Compiled core (see dissect/_compiled.py): C calls and typed layers in the path every
# echo-like message takes (tail, Info column), and C doubles in the timestamp heuristic.
cimport cython

from dissect.model cimport Layer, Packet

@cython.locals(pos=Py_ssize_t, end=Py_ssize_t)
cpdef _tail(data, Layer layer)

cpdef _detail(data, Layer layer)

@cython.locals(start=Py_ssize_t, end=Py_ssize_t)
cpdef str _quiet_status(data, Layer layer)

@cython.locals(pkt=Packet)
cpdef bint _unverifiable(Layer layer) except -1

@cython.locals(pos=Py_ssize_t, end=Py_ssize_t)
cpdef _id_seq(data, Layer layer, itype, str lazy)

@cython.locals(now=double, best=double, stamp=double, when=double, size=int, width=int)
cpdef tuple _data_time(data, time_ns, Py_ssize_t start, Py_ssize_t end)

@cython.locals(names=dict, code_names=dict, codes=dict)
cpdef tuple _type_text(itype, code)

@cython.locals(pos=Py_ssize_t, end=Py_ssize_t)
cpdef tuple _type_code(Layer layer)

@cython.locals(ident=int, seq=int, seq_le=int)
cpdef str _info(Layer layer)

@cython.locals(layers=list, below=Layer, k=Py_ssize_t)
cpdef _outer_ttl(Layer layer)
