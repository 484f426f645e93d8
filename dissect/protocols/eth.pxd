# Compiled core (see dissect/_compiled.py): typed layers in the per-packet functions.
cimport cython

from dissect.model cimport Layer

@cython.locals(pos=Py_ssize_t, end=Py_ssize_t, value=cython.int)
cpdef _tail(bytes data, Layer layer)
cpdef _length_payload(data, Layer layer, length)
