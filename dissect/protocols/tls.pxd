# Compiled core (see dissect/_compiled.py): the segment state and the field/issue sink as
# extension types; typed layers, bytes and C-integer offsets in the record walk (tail) and
# the field building (detail). data is the packet's bytes (decode() makes it bytes).
cimport cython

from dissect.model cimport Field, Layer, Packet


cdef class _Out:
    cdef public Layer layer
    cdef public bytes data
    cdef public bint fields

    cpdef Field add(self, spec, Py_ssize_t pos, Py_ssize_t length, value, Field parent)
    cpdef Field span(self, spec, Py_ssize_t pos, Py_ssize_t end, Field parent)
    cpdef issue(self, severity, group, code, message, pos, length)


cdef class _Seg:
    cdef public list infos
    cdef public bint encrypted, tls13
    cdef public str hello
    cdef public int last
    cdef public _Out out


cpdef int _u16(bytes data, Py_ssize_t pos) except? -1
cpdef int _u24(bytes data, Py_ssize_t pos) except? -1
cpdef bint looks_like_record(bytes data, Py_ssize_t pos) except -1

@cython.locals(pos=Py_ssize_t, end=Py_ssize_t, cut=Py_ssize_t, length=Py_ssize_t,
               _i=Py_ssize_t, seg=_Seg, pkt=Packet, kept=list)
cpdef _tail(bytes data, Layer layer)

@cython.locals(out=_Out, seg=_Seg, rec=Field, limit=Py_ssize_t, pos=Py_ssize_t,
               length=Py_ssize_t, end=Py_ssize_t, whole=bint, opaque=bint, encrypted=bint,
               ctype=int)
cpdef _detail(bytes data, Layer layer)

cpdef _partial_header(Layer layer, Py_ssize_t pos, Py_ssize_t end, Py_ssize_t cut)
cpdef _continued(bytes data, Layer layer, Py_ssize_t pos, Py_ssize_t end, Py_ssize_t length,
                 _Seg seg)

@cython.locals(stop=Py_ssize_t, limit=Py_ssize_t, end=Py_ssize_t, ctype=int, opaque=bint)
cpdef tuple _record(bytes data, Layer layer, Py_ssize_t pos, Py_ssize_t length, _Seg seg)

cpdef _body(bytes data, _Out out, Field rec, int ctype, Py_ssize_t body, Py_ssize_t end,
            Py_ssize_t stop, _Seg seg)

@cython.locals(f=Field)
cpdef _heartbeat(bytes data, _Out out, Field rec, Py_ssize_t body, Py_ssize_t end, _Seg seg)

@cython.locals(f=Field, level=int, desc=int)
cpdef _alert(bytes data, _Out out, Field rec, Py_ssize_t body, Py_ssize_t end, _Seg seg)

@cython.locals(htype=int, length=Py_ssize_t, msg_end=Py_ssize_t, msg=Field)
cpdef _handshakes(bytes data, _Out out, Field rec, Py_ssize_t pos, Py_ssize_t end,
                  Py_ssize_t stop, _Seg seg)

@cython.locals(layer=Layer, pkt=Packet)
cpdef _short(_Out out, Py_ssize_t need_end, what)

@cython.locals(client=bint, sid_len=Py_ssize_t)
cpdef _hello(bytes data, _Out out, Field msg, Py_ssize_t pos, Py_ssize_t end, int htype,
             _Seg seg)

@cython.locals(n=Py_ssize_t, p=Py_ssize_t, lst=Field)
cpdef Py_ssize_t _client_suites(bytes data, _Out out, Field msg, Py_ssize_t pos,
                                Py_ssize_t end) except? -2

cpdef Py_ssize_t _server_suite(bytes data, _Out out, Field msg, Py_ssize_t pos,
                               Py_ssize_t end) except? -2

@cython.locals(total=Py_ssize_t, stop=Py_ssize_t, fields=bint, etype=int, elen=Py_ssize_t,
               ext=Field, body=Py_ssize_t)
cpdef _extensions(bytes data, _Out out, Field msg, Py_ssize_t pos, Py_ssize_t end, _Seg seg)

@cython.locals(n=Py_ssize_t, lst=Field)
cpdef _extension(bytes data, _Out out, Field ext, int etype, Py_ssize_t pos, Py_ssize_t end,
                 _Seg seg)

@cython.locals(n=Py_ssize_t)
cpdef Py_ssize_t _vector_len(bytes data, _Out out, Field ext, Py_ssize_t pos, Py_ssize_t end,
                             Py_ssize_t width, spec) except? -2

@cython.locals(n=Py_ssize_t, p=Py_ssize_t, value=int, parent=Field)
cpdef _list(bytes data, _Out out, Field ext, Py_ssize_t pos, Py_ssize_t end, Py_ssize_t width,
            len_spec, list_spec, item, Py_ssize_t item_width)

cpdef _vector_error(_Out out, Py_ssize_t pos, Py_ssize_t end, Py_ssize_t n)

@cython.locals(n=Py_ssize_t)
cpdef _alpn_items(bytes data, _Out out, Field parent, Py_ssize_t pos, Py_ssize_t end)

@cython.locals(n=Py_ssize_t, stop=Py_ssize_t, ntype=int, nlen=Py_ssize_t)
cpdef _sni(bytes data, _Out out, Field ext, Py_ssize_t pos, Py_ssize_t end)

@cython.locals(n=Py_ssize_t, group=int, klen=Py_ssize_t)
cpdef _key_share(bytes data, _Out out, Field ext, Py_ssize_t pos, Py_ssize_t end, _Seg seg)

@cython.locals(length=Py_ssize_t)
cpdef bint detect(bytes data, Py_ssize_t pos, Py_ssize_t end, layer) except -1
