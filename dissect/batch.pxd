# Compiled core (see dissect/_compiled.py): the batch CLI's per-packet loop in C.
cimport cython

from dissect.model cimport Packet
from dissect.output cimport row_line
from dissect.protocol cimport decode


@cython.locals(out=list, pkt=Packet)
cpdef str summary_text(rows, t0_ns, strict=*)
