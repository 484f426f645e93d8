# Augmenting declarations for the compiled core (see dissect/_compiled.py): Field, Layer
# and Packet become extension types. Every attribute in a class's __slots__ in model.py
# must be declared here (tests/test_compiled.py checks), or the compiled class lacks it.
# Class directives (Field's no_gc) cannot go here: Cython reads them in model.py.
cimport cython

from dissect.fields cimport FieldSpec


cdef class Field:
    cdef public object spec, pos, len, value, mask, generated
    cdef public list children

    cpdef list walk(self)


@cython.locals(f=Field)
cpdef _descend(list fields, list out)


cdef class Layer:
    cdef public object protocol, pos, hdr_len, payload_pos, payload_end, status
    cdef public object values, next, info_cache, declined, state
    cdef public Packet packet
    cdef public list issues, extra, _fields

    cpdef list walk(self)
    @cython.locals(spec=FieldSpec)
    cpdef value(self, name, default=*)


cdef class Packet:
    cdef public object number, time_ns, caplen, wirelen, linktype, interface, data, comment
    cdef public list layers
    cdef public dict ctx
