# Augmenting declarations for the compiled core (see dissect/_compiled.py): FieldSpec is an
# extension type. Every attribute in its __slots__ in fields.py must be declared here.
cimport cython

cdef class FieldSpec:
    cdef public object name, label, kind, width, mask, at, base, names, children
    cdef public object scale, unit, generated, signed, conv
    cdef public object offset, wmask, frombytes, parent, get, fmt
    # C integers: _read indexes the unpacked header tuple and shifts bit fields in C
    cdef public Py_ssize_t idx
    cdef public int how, shift

    cpdef show(self, value)


cpdef _format(FieldSpec spec, value)

cpdef str safe_text(s, Py_ssize_t limit=*)

@cython.locals(ch=Py_UCS4)
cpdef bint _plain(str s)

@cython.locals(text=str, cache=dict)
cpdef str ipv4_str(b)
