# Augmenting declarations for the compiled core (see dissect/_compiled.py): Protocol is an
# extension type (attributes not declared here live in its __dict__) and the driver's
# hot functions have typed locals.
cimport cython

from dissect.fields cimport FieldSpec, ipv4_str
from dissect.model cimport Field, Layer, Packet, new_field, new_layer, new_packet


cdef class Protocol:
    cdef dict __dict__
    cdef public object name, title, osi, short, header, tail, detail, next_by, info
    cdef public object describe, addresses, explain, byteorder, padding, trailer, fcs
    cdef public object size, struct, unpack, next_specs, address_specs
    cdef public dict by_name

    @cython.locals(spec=FieldSpec, c=FieldSpec, f=Field)
    cpdef list build_fields(self, Layer layer)
    cpdef dissect(self, data, Layer layer)
    @cython.locals(spec=FieldSpec, c=FieldSpec, f=Field)
    cpdef _partial(self, data, Layer layer, avail)


@cython.locals(t=dict, nb=tuple, own=Protocol, specs=tuple)
cpdef next_protocol(data, Layer layer, tuple declined=*)

@cython.locals(pkt=Packet, layer=Layer, proto=Protocol, declined=tuple)
cpdef Packet decode(data, linktype, number=*, time_ns=*, wirelen=*, interface=*, comment=*, upto=*, strict=*)

cpdef bint _run(Protocol proto, bytes data, Layer layer, strict) except -1

@cython.locals(how=int)
cpdef _read(FieldSpec spec, tuple vals)
cpdef unsigned long long _bits(unsigned long long word, unsigned long long wmask, int shift)
@cython.locals(spec=FieldSpec, out=list)
cpdef tuple read_values(tuple specs, tuple vals)

@cython.locals(layers=list, outer=Layer, layer=Layer, last=Layer, own=Protocol)
cpdef _cover_gaps(Packet pkt)

cpdef Layer _frame_layer(Packet pkt)

cpdef _data_tail(data, Layer layer)

@cython.locals(pkt=Packet)
cpdef _frame_detail(data, Layer layer)
