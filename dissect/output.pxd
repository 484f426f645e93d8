# Compiled core (see dissect/_compiled.py): typed layers and fields in the list-row and
# JSON views.
cimport cython

from dissect.fields cimport FieldSpec
from dissect.model cimport Field, Layer, Packet

cpdef tuple _layer_addresses(Layer layer, names)
cpdef _layer_info(Layer layer)
@cython.locals(spec=FieldSpec, kids=list)
cpdef dict field_dict(Field f)
@cython.locals(f=Field)
cpdef dict layer_dict(Layer layer)
@cython.locals(layer=Layer)
cpdef dict packet_dict(Packet pkt, with_bytes=*)
