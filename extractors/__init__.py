"""Built-in field extractors. They depend one way, on the interface in ``idp.extraction``
(with the data model, schemas, formats and text helpers); ``idp`` loads them by name through
``idp.extraction.registry`` and never imports them."""
