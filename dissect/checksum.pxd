# Compiled core (see dissect/_compiled.py): the Internet checksum's word loop in C, and
# verify() with a typed layer (its fields are C calls).
cimport cython

from dissect.fields cimport FieldSpec
from dissect.model cimport Layer

ctypedef const unsigned char* cbytes


@cython.locals(p=cbytes, i=Py_ssize_t, s=cython.ulonglong, w=cython.ulonglong)
cpdef unsigned long long _word_sum(bytes data, Py_ssize_t lo, Py_ssize_t hi) except? 0

cpdef range_sum(data, Py_ssize_t lo, Py_ssize_t hi, start=*)

@cython.locals(stored=cython.int)
cpdef str verify(Layer layer, bytes data, Py_ssize_t start, Py_ssize_t end, Py_ssize_t field_pos,
                 FieldSpec status_spec, FieldSpec calc_spec, initial=*, what=*)

cpdef _fold(n)

cpdef pseudo_sum(src, dst, proto, length)
