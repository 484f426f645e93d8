# Compiled core (see dissect/_compiled.py): HTTP's helper classes as extension types and
# C integers in the line and header walk, which runs for every HTTP segment. The walk reads
# the frame as bytes (typed: C slices and indexing), which tail() and detail() ensure.
cimport cython

from dissect.model cimport Layer

ctypedef const unsigned char* cbytes


@cython.locals(p=cbytes)
cpdef Py_ssize_t _find(data, unsigned char byte, Py_ssize_t pos, Py_ssize_t end) except? -2

@cython.locals(p=cbytes, table=cbytes)
cpdef bint _is_token(data, Py_ssize_t pos, Py_ssize_t end) except -1


cdef class _Lines:
    cdef public bytes data
    cdef public Py_ssize_t end, cr, lf, last

    @cython.locals(cr=Py_ssize_t, lf=Py_ssize_t)
    cpdef (Py_ssize_t, Py_ssize_t) next(self, Py_ssize_t pos)


cdef class _Msg:
    cdef public object kind, info, ctype, clen, te, chunked, encoding, code, host, uri
    cdef public object dechunked, trailer, body
    cdef public list lines, chunks


cdef class _Out:
    cdef public object layer, fields, add, issue


@cython.locals(sp=Py_ssize_t)
cpdef classify(bytes line)

@cython.locals(sp=Py_ssize_t, stop=Py_ssize_t, nxt=Py_ssize_t)
cpdef tuple _token(bytes data, Py_ssize_t pos, Py_ssize_t eol)

@cython.locals(headers=dict)
cpdef _name_spec(bytes data, Py_ssize_t pos, Py_ssize_t colon)

cpdef _tail_spec(bytes data, Py_ssize_t pos, Py_ssize_t colon)

cpdef _line_kind(bytes data, Py_ssize_t pos, Py_ssize_t eol, spec)

# C calls for the helpers a row's decode runs (as Python functions each call costs more
# than the little they do)
cpdef str _text(bytes raw)

@cython.locals(value=int)
cpdef int _status_code(bytes raw) except? -1

cpdef _special(_Out out, name, f, tuple where, value, _Msg msg)

cpdef Py_ssize_t _body_len(_Msg msg, Py_ssize_t remaining) except? -1

cpdef _body(bytes data, Layer layer, tuple span, _Msg msg)

cpdef _media(bytes data, Py_ssize_t start, Py_ssize_t end, _Msg msg)

cpdef _incomplete(Layer layer, Py_ssize_t pos, Py_ssize_t end, str what)

@cython.locals(pos=Py_ssize_t, colon=Py_ssize_t, eol=Py_ssize_t, nxt=Py_ssize_t, v=Py_ssize_t)
cpdef _header(bytes data, _Out out, tuple span, _Msg msg, spec)

@cython.locals(pos=Py_ssize_t, end=Py_ssize_t, eol=Py_ssize_t, nxt=Py_ssize_t,
               colon=Py_ssize_t, lines_seen=Py_ssize_t, saw=bint, open_line=bint)
cpdef Py_ssize_t _headers(bytes data, _Out out, _Lines lines, tuple span, _Msg msg,
                          first) except? -1

@cython.locals(msg=_Msg, eol=Py_ssize_t, start=Py_ssize_t, stop=Py_ssize_t, orig=Py_ssize_t)
cpdef tuple _message(bytes data, _Out out, _Lines lines, Py_ssize_t pos, Py_ssize_t end)

@cython.locals(msg=_Msg, lines=_Lines, out=_Out)
cpdef _tail(data, Layer layer)

@cython.locals(tcp=Layer, below=Layer)
cpdef _tls_port(Layer layer)

@cython.locals(msg=_Msg, out=_Out)
cpdef _detail(data, Layer layer)

@cython.locals(msg=_Msg)
cpdef _message_fields(bytes data, _Out out, _Msg kept)

cpdef _start_line(bytes data, _Out out, Py_ssize_t pos, Py_ssize_t eol, kind, _Msg msg)
