# Compiled core (see dissect/_compiled.py): C calls and C integers in the Info column's
# helpers, which run for every ARP row of a packet list.
cimport cython

from dissect.model cimport Layer

ctypedef (Py_ssize_t, Py_ssize_t, Py_ssize_t, Py_ssize_t, Py_ssize_t) spans_t

@cython.locals(sha=Py_ssize_t)
cpdef spans_t _spans(Py_ssize_t pos, Py_ssize_t hln, Py_ssize_t pln)

@cython.locals(spa=Py_ssize_t, tha=Py_ssize_t, tpa=Py_ssize_t, end=Py_ssize_t, tha_zero=bint)
cpdef str _kind(bytes data, int op, Py_ssize_t pln, tuple where)

@cython.locals(raw=bytes)
cpdef str _hw_str(bytes data, Py_ssize_t offset, Py_ssize_t hln, int hrd)

cpdef str _proto_str(bytes data, Py_ssize_t offset, Py_ssize_t pln, int pro)

@cython.locals(hln=Py_ssize_t, pln=Py_ssize_t, op=int, sha=Py_ssize_t, spa=Py_ssize_t,
               tpa=Py_ssize_t, total=Py_ssize_t, data=bytes, spans=spans_t)
cpdef str _info(Layer layer)
