"""CQL: the AST (:mod:`.ast`) and the parser that builds it (:mod:`.parser`)."""

from .parser import Parsed, parse, parse_type

__all__ = ["Parsed", "parse", "parse_type"]
