"""Field extractors behind one small interface, and their registry."""
