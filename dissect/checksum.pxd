# Compiled core (see dissect/_compiled.py): the Internet checksum's word loop in C.
cimport cython

ctypedef const unsigned char* cbytes


@cython.locals(p=cbytes, n=Py_ssize_t, i=Py_ssize_t, s=cython.ulonglong)
cpdef unsigned long long _word_sum(bytes data) except? 0
