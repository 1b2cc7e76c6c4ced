"""The thin HTTP layer: routes parse, call the registry, and map errors."""

from starlette.convertors import IntegerConvertor, register_url_convertor


class _BoundedInt(IntegerConvertor):
    """`{x:int}` path segments of at most 16 digits (ids stop at 2**31 - 1; the tools refuse
    larger ones). Starlette's own convertor takes any run of digits and then fails in `int()`
    past 4,300 of them (a 500); a longer segment now matches no route, a 404. Registered here,
    before any route is built."""

    regex = "[0-9]{1,16}"


register_url_convertor("int", _BoundedInt())
