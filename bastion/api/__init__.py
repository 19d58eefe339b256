"""HTTP handlers, one module per endpoint family; thin: parse, authorise, call core, serialise."""
