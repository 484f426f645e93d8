# Augmenting declarations for the compiled core (see dissect/_compiled.py): FieldSpec is an
# extension type. Every attribute in its __slots__ in fields.py must be declared here.
cimport cython

cdef class FieldSpec:
    cdef public object name, label, kind, width, mask, at, base, names, children
    cdef public object scale, unit, generated, signed, conv
    cdef public object offset, idx, wmask, shift, frombytes, parent, get, fmt
    cdef public int how

    cpdef show(self, value)


cpdef _format(FieldSpec spec, value)

@cython.locals(ch=Py_UCS4)
cpdef bint _plain(str s)

@cython.locals(text=str)
cpdef str ipv4_str(b)
