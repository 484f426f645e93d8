# Compiled core (see dissect/_compiled.py): the message being decoded as an extension type;
# typed layers, bytes and C-integer offsets in the header, name, question and record reads
# (tail) and the field building (detail). data is the packet's bytes (decode() makes it
# bytes). _Short and _Bad stay Python classes: exceptions cannot be extension types.
cimport cython

from dissect.model cimport Field, Layer, Packet


cdef class _Msg:
    cdef public bytes data
    cdef public Layer layer
    cdef public Py_ssize_t start, end, loops, raw_len, hops_left
    cdef public bint mdns, partial, fields
    cdef public list info, counts, items
    cdef public dict names
    cdef public object length, ident, flags, extra

    cpdef Field add(self, spec, Py_ssize_t pos, Py_ssize_t length, value, mask, Field parent)
    cpdef need(self, Py_ssize_t pos, Py_ssize_t n, what)
    @cython.locals(pkt=Packet)
    cpdef past_end(self, Py_ssize_t at, Py_ssize_t target)
    cpdef int u8(self, Py_ssize_t pos) except? -1
    cpdef int u16(self, Py_ssize_t pos) except? -1
    @cython.locals(data=bytes, v=cython.ulong)
    cpdef u32(self, Py_ssize_t pos)


@cython.locals(labels=list, own=Py_ssize_t, total=Py_ssize_t, label=bytes)
cpdef tuple read_name(_Msg m, Py_ssize_t pos)

@cython.locals(labels=list, data=bytes, end=Py_ssize_t, cur=Py_ssize_t, own=Py_ssize_t,
               hops=Py_ssize_t, seen=Py_ssize_t, total=Py_ssize_t, n=int, kind=int,
               target=Py_ssize_t)
cpdef tuple _collect_labels(_Msg m, Py_ssize_t pos)

@cython.locals(own=Py_ssize_t)
cpdef tuple _name(_Msg m, Py_ssize_t pos)

@cython.locals(n=Py_ssize_t)
cpdef tuple _add_name(_Msg m, spec, Py_ssize_t pos, Field parent)

@cython.locals(start=Py_ssize_t, end=Py_ssize_t, partial=bint, m=_Msg)
cpdef _tail(bytes data, Layer layer)

@cython.locals(m=_Msg)
cpdef _detail(bytes data, Layer layer)

@cython.locals(s=Py_ssize_t, i=Py_ssize_t, specs=tuple, item=tuple)
cpdef _message_fields(bytes data, Layer layer, _Msg m)

@cython.locals(start=Py_ssize_t, end=Py_ssize_t, length=Py_ssize_t)
cpdef tuple _tcp_message(bytes data, Layer layer)

@cython.locals(below=Layer)
cpdef bint _over_tcp(Layer layer) except -1

@cython.locals(layer=Layer, pkt=Packet)
cpdef _ran_out(_Msg m, exc)

cpdef tuple _count_specs(int flags)

@cython.locals(s=Py_ssize_t, flags=int, ident=int, resp=bint, opcode=int, counts=list,
               pos=Py_ssize_t, i=Py_ssize_t, _i=Py_ssize_t)
cpdef _message(_Msg m)

@cython.locals(f=Field, resp=bint, kids=tuple, mask=int, shift=int, v=int, flag=bint)
cpdef _add_flags(_Msg m, Py_ssize_t pos, int flags)

@cython.locals(n=Py_ssize_t, qtype=int, qclass=int)
cpdef Py_ssize_t _question(_Msg m, Py_ssize_t pos) except? -1

@cython.locals(pos=Py_ssize_t, n=Py_ssize_t, qtype=int, qclass=int, cls=int, node=Field)
cpdef _question_fields(_Msg m, tuple item)

cpdef _type_short(int rtype)
cpdef _class_name(int cls)

@cython.locals(n=Py_ssize_t, p=Py_ssize_t, rtype=int, rclass=int, rdlen=Py_ssize_t)
cpdef Py_ssize_t _record(_Msg m, Py_ssize_t pos, section) except? -1

@cython.locals(pos=Py_ssize_t, n=Py_ssize_t, p=Py_ssize_t, rtype=int, rclass=int, cls=int,
               rdlen=Py_ssize_t, node=Field, parts=list)
cpdef _record_fields(_Msg m, tuple item)

@cython.locals(n=Py_ssize_t, raw=bytes)
cpdef _rdata(_Msg m, int rtype, Py_ssize_t rd, Py_ssize_t rdlen, Field node)

@cython.locals(pref=int)
cpdef tuple _mx(_Msg m, Py_ssize_t rd, Py_ssize_t rdlen, Field node)

@cython.locals(priority=int, weight=int, port=int)
cpdef tuple _srv(_Msg m, Py_ssize_t rd, Py_ssize_t rdlen, Field node)

cpdef tuple _hinfo(_Msg m, Py_ssize_t rd, Py_ssize_t rdlen, Field node)

@cython.locals(p=Py_ssize_t, window=int, n=Py_ssize_t, i=Py_ssize_t, byte=int, bit=int)
cpdef _type_bitmap(_Msg m, Py_ssize_t start, Py_ssize_t end, Field node)

cpdef _rest(_Msg m, Py_ssize_t start, Py_ssize_t end, Field node)

@cython.locals(n1=Py_ssize_t, n2=Py_ssize_t, p=Py_ssize_t, i=Py_ssize_t)
cpdef tuple _soa(_Msg m, Py_ssize_t rd, Py_ssize_t rdlen, Field node)

@cython.locals(p=Py_ssize_t, out=list, most=Py_ssize_t, n=Py_ssize_t)
cpdef list _strings(_Msg m, Py_ssize_t start, Py_ssize_t end, Field node, tuple specs)

@cython.locals(size=int, z=int, rdlen=Py_ssize_t, rd=Py_ssize_t, q=Py_ssize_t,
               end=Py_ssize_t, code=int, olen=Py_ssize_t)
cpdef Py_ssize_t _opt_record(_Msg m, Py_ssize_t pos, Py_ssize_t p, Field node, name) except? -1

@cython.locals(mdns=bint, zf=Field)
cpdef _opt_fields(_Msg m, Py_ssize_t p, Field node, int size, int z, Py_ssize_t rdlen)

@cython.locals(opt=Field)
cpdef _opt_option(_Msg m, Py_ssize_t q, Field node, int code, Py_ssize_t olen)

@cython.locals(data=bytes, family=int, raw=bytes)
cpdef _opt_detail(_Msg m, int code, Py_ssize_t p, Py_ssize_t n, Field opt)

@cython.locals(flags=int, quest=int, ans=int, auth=int, add=int)
cpdef bint _looks_like_dns(bytes data, Py_ssize_t start, Py_ssize_t end, Layer layer) except -1

cpdef int _u16(bytes data, Py_ssize_t pos) except? -1

@cython.locals(m=_Msg, pos=Py_ssize_t, i=Py_ssize_t, n=Py_ssize_t)
cpdef bint _records_fit(bytes data, Py_ssize_t start, Py_ssize_t end, Py_ssize_t quest,
                        Py_ssize_t rrs) except -1
