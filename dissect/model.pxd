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
cpdef Field new_field(spec, pos, length, value, mask=*, generated=*)

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
    # cpdef: C calls from the compiled protocols, which make most fields through them.
    # A C call cannot skip an argument with a default: the compiled modules pass mask and
    # parent by position or call child().
    @cython.locals(s=FieldSpec, f=Field)
    cpdef Field add(self, spec, offset, length, value, mask=*, Field parent=*, generated=*)
    cpdef Field child(self, Field parent, spec, offset, length, value, mask=*)


cdef class Packet:
    cdef public object number, time_ns, caplen, wirelen, linktype, interface, data, comment
    cdef public list layers
    cdef public dict ctx

    @cython.locals(layer=Layer)
    cpdef release(self)


@cython.locals(layer=Layer)
cpdef Layer new_layer(protocol, Packet packet, pos, end)

@cython.locals(pkt=Packet)
cpdef Packet new_packet(data, linktype, number, time_ns, wirelen, interface)
