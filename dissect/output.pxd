# Compiled core (see dissect/_compiled.py): typed layers and fields in the list-row and
# JSON views.
cimport cython

from dissect.fields cimport FieldSpec, safe_text
from dissect.model cimport Field, Layer, Packet
from dissect.protocol cimport Protocol, read_values

cpdef summarize(Packet pkt, t0_ns=*)
cpdef str row_line(Packet pkt, t0_ns=*)
cpdef str _pad(Py_ssize_t n)
cpdef str _row(long long number, str secs, str src, str dst, str proto, long long length, str info)
@cython.locals(neg=cython.bint, n=cython.longlong, us=cython.longlong, r=cython.longlong,
               sec=cython.longlong, frac=cython.longlong)
cpdef str _seconds(long long d)
@cython.locals(every=list, layer=Layer, p=Protocol, k=cython.Py_ssize_t,
               limit=cython.Py_ssize_t, rank=cython.int, bad=cython.bint)
cpdef tuple _columns(Packet pkt)
cpdef str summary_line(s)
cpdef tuple _layer_addresses(Layer layer, Protocol p)
cpdef _layer_info(Layer layer)
@cython.locals(spec=FieldSpec, kids=list)
cpdef dict field_dict(Field f)
@cython.locals(f=Field)
cpdef dict layer_dict(Layer layer)
@cython.locals(layer=Layer)
cpdef dict packet_dict(Packet pkt, with_bytes=*)
