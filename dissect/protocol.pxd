# Compiled core (see dissect/_compiled.py): the model's extension types, for typed locals.
from dissect.fields cimport FieldSpec
from dissect.model cimport Field, Layer, Packet
